// Small browser helpers the Blazor layout imports as a module (no inline script: the CSP forbids it).

/** Remembers the theme choice for a year; the server reads it to paint the first frame in the right theme. */
export function rememberTheme(choice) {
  document.cookie = `hub.theme=${encodeURIComponent(choice)}; path=/; max-age=31536000; samesite=lax`;
}

/** Tells the parts outside MudBlazor (the CodeMirror editor, pages' own styles) whether the page is dark. */
export function applyTheme(dark) {
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  window.dispatchEvent(new Event("hub-theme"));
}

/**
 * Single-key shortcuts outside text fields: "?" opens the shortcut help, "/" focuses search, "n" starts a new
 * constitution. Returns a handle whose dispose() removes the listener.
 */
export function listenForShortcuts(dotnet) {
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "/") {
      const search = document.getElementById("hub-search");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "?" || event.key === "n") {
      event.preventDefault();
      dotnet.invokeMethodAsync("OnShortcut", event.key);
    }
  };
  document.addEventListener("keydown", onKey);
  // Marks the page, so a test (or a curious reader) can tell the shortcuts are live.
  document.documentElement.dataset.shortcuts = "on";
  return { dispose: () => { document.removeEventListener("keydown", onKey); delete document.documentElement.dataset.shortcuts; } };
}
