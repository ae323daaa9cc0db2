// Variant blocks of a section (consecutive <section class="variant">, the default first) become tabs: one variant
// shown at a time, switched with a click or the arrow keys (WAI-ARIA tabs pattern). Without script, and on the share
// page, they simply read one after another.
let groupCount = 0;

export function enhance(article) {
  if (!article) return;
  for (const first of article.querySelectorAll("section.variant")) {
    if (first.previousElementSibling?.matches("section.variant, .variant-tabs")) continue;
    const group = [first];
    for (let next = first.nextElementSibling; next?.matches("section.variant"); next = next.nextElementSibling) group.push(next);
    if (group.length > 1) makeTabs(group);
  }
}

function makeTabs(sections) {
  const id = `variants-${++groupCount}`;
  const list = document.createElement("div");
  list.className = "variant-tabs";
  list.setAttribute("role", "tablist");
  list.setAttribute("aria-label", "Variants of this section");
  const tabs = sections.map((section, i) => {
    const tab = document.createElement("button");
    tab.type = "button";
    tab.id = `${id}-tab-${i}`;
    tab.className = "variant-tab";
    tab.setAttribute("role", "tab");
    tab.setAttribute("aria-controls", section.id || (section.id = `${id}-panel-${i}`));
    tab.textContent = section.dataset.variant + (section.dataset.default === "true" ? " (default)" : "");
    section.setAttribute("role", "tabpanel");
    section.setAttribute("aria-labelledby", tab.id);
    section.tabIndex = 0;
    tab.addEventListener("click", () => select(i));
    tab.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (e.key === "Home" || e.key === "End") { e.preventDefault(); select(e.key === "Home" ? 0 : tabs.length - 1, true); }
      else if (step) { e.preventDefault(); select((i + step + tabs.length) % tabs.length, true); }
    });
    list.append(tab);
    return tab;
  });
  sections[0].before(list);

  function select(index, focus) {
    tabs.forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
      sections[i].hidden = i !== index;
    });
    if (focus) tabs[index].focus();
  }
  select(0, false);
}
