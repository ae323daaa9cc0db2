// Site-wide behaviour that must work without a Blazor circuit: the light/dark theme switch.
const key = "hub-theme";
const apply = (theme) => {
  document.documentElement.setAttribute("data-bs-theme", theme);
  window.dispatchEvent(new Event("hub-theme"));
};
const stored = localStorage.getItem(key);
apply(stored ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));

document.addEventListener("click", (e) => {
  const button = e.target.closest("[data-theme-toggle]");
  if (!button) return;
  const next = document.documentElement.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
  localStorage.setItem(key, next);
  apply(next);
});
