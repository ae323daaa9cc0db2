// Loaded by every page before Blazor starts (a classic script, not the layout's module), so the server can end a
// page's session from its very first moment (SessionGuard).

// A page that is being left must not be sent anywhere else: once the browser starts leaving (a link to another site,
// a typed address), a late "your session has ended" from the server is ignored.
let leaving = false;
window.addEventListener("beforeunload", () => { leaving = true; });
window.addEventListener("pagehide", () => { leaving = true; });
window.addEventListener("pageshow", () => { leaving = false; });

/** The server found this page's session ended: go to the sign-in form, which says why. */
window.hubSessionEnded = (url) => {
  if (!leaving) window.location.assign(url);
};
