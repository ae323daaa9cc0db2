// Light and dark theme. A classic script in <head> so the stored theme applies before the first paint.
(function () {
  var key = "hub-theme";
  function apply(theme) {
    document.documentElement.setAttribute("data-bs-theme", theme);
    window.dispatchEvent(new Event("hub-theme"));
  }
  var stored = null;
  try { stored = localStorage.getItem(key); } catch (e) { /* storage blocked: follow the system */ }
  apply(stored || (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-theme-toggle]");
    if (!button) return;
    var next = document.documentElement.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
    try { localStorage.setItem(key, next); } catch (err) { /* not persisted */ }
    apply(next);
  });
  // Blazor's enhanced navigation replaces <html> attributes: keep the chosen theme.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.Blazor && Blazor.addEventListener) {
      Blazor.addEventListener("enhancedload", function () { apply(document.documentElement.getAttribute("data-bs-theme") === "dark" ? "dark" : (localStorage.getItem(key) || "light")); });
    }
  });
})();
