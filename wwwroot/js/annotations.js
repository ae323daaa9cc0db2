// The annotation layer of the Read page: highlights in the text, a margin gutter, and annotating a selection.
//
// Anchors point into a section's *reading text*: the text of the section as rendered (heading included, variant
// headers included, the tab buttons this page adds excluded), runs of whitespace collapsed to one space, trimmed.
// The server computes the same string (Core/Annotations/Anchoring/ReadingText.cs), so a position means the same here
// and there. Sections are the article's top-level headings and what follows each, the text before the first heading
// (when there is any) being the preamble, exactly as the server splits them.
const SKIP = ".variant-tabs, [data-annotation-ui]";
const HEADING = /^H[1-6]$/;
const layers = new WeakMap();

export function attach(article, dotnet) {
  if (!article || layers.has(article)) return;
  const layer = { article, dotnet, annotations: [], selected: null, button: null, gutter: null };
  layers.set(article, layer);
  layer.gutter = document.createElement("div");
  layer.gutter.className = "annotation-gutter";
  layer.gutter.setAttribute("data-annotation-ui", "");
  layer.gutter.setAttribute("aria-hidden", "true");
  article.style.position = "relative";
  article.classList.add("has-annotation-gutter");
  article.append(layer.gutter);

  layer.button = document.createElement("button");
  layer.button.type = "button";
  layer.button.className = "annotation-add";
  layer.button.textContent = "Annotate";
  layer.button.setAttribute("data-annotation-ui", "");
  layer.button.hidden = true;
  document.body.append(layer.button);
  layer.button.addEventListener("mousedown", (e) => e.preventDefault()); // keep the selection
  layer.button.addEventListener("click", () => offerSelection(layer));

  const onSelect = () => setTimeout(() => placeButton(layer), 0);
  article.addEventListener("mouseup", onSelect);
  article.addEventListener("keyup", onSelect);
  article.addEventListener("click", (e) => {
    const mark = e.target.closest?.("mark.annotation");
    if (mark && !window.getSelection()?.toString()) dotnet.invokeMethodAsync("Select", mark.dataset.annotationId);
  });
  layer.onResize = () => drawGutter(layer);
  window.addEventListener("resize", layer.onResize);
}

export function detach(article) {
  const layer = layers.get(article);
  if (!layer) return;
  window.removeEventListener("resize", layer.onResize);
  layer.button.remove();
  layers.delete(article);
}

/// annotations: [{ id, ordinal, start, end, exact, kind, resolved }]; returns the ids that could not be placed.
export function show(article, annotations, selectedId) {
  const layer = layers.get(article);
  if (!layer) return [];
  clearMarks(article);
  layer.annotations = annotations;
  const missing = [];
  for (const a of annotations) {
    if (!highlight(article, a)) missing.push(a.id);
  }
  layer.selected = selectedId ?? null;
  markSelected(layer, false);
  drawGutter(layer);
  return missing;
}

export function select(article, id, scroll) {
  const layer = layers.get(article);
  if (!layer) return;
  layer.selected = id;
  markSelected(layer, scroll);
}

function markSelected(layer, scroll) {
  let first = null;
  for (const mark of layer.article.querySelectorAll("mark.annotation")) {
    const on = mark.dataset.annotationId === layer.selected;
    mark.classList.toggle("is-selected", on);
    if (on && !first) first = mark;
  }
  if (first) {
    // A highlight in a variant that is not shown: show that variant first.
    const panel = first.closest("section.variant[hidden]");
    if (panel) document.getElementById(panel.getAttribute("aria-labelledby"))?.click();
    if (scroll) first.scrollIntoView({ block: "center", behavior: "instant" });
  }
}

// ---- sections and their reading text

function sections(article) {
  const result = [];
  let current = { nodes: [], heading: false };
  for (const node of article.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.matches(SKIP)) continue;
    if (node.nodeType === Node.ELEMENT_NODE && HEADING.test(node.tagName)) {
      if (current.heading || hasText(current.nodes)) result.push(current);
      current = { nodes: [node], heading: true };
    } else {
      current.nodes.push(node);
    }
  }
  if (current.heading || hasText(current.nodes)) result.push(current);
  return result;
}

function hasText(nodes) {
  return nodes.some((n) => textNodes(n).some((t) => /\S/.test(t.data)));
}

function textNodes(root) {
  if (root.nodeType === Node.TEXT_NODE) return [root];
  const found = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT, {
    acceptNode: (n) => (n.nodeType === Node.ELEMENT_NODE ? (n.matches(SKIP) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_SKIP) : NodeFilter.FILTER_ACCEPT),
  });
  for (let n = walker.nextNode(); n; n = walker.nextNode()) found.push(n);
  return found;
}

/// The section's reading text, with for each of its characters the text node and offset it came from.
function readingText(section) {
  let text = "";
  const at = [];
  let pending = null;
  for (const node of section.nodes.flatMap(textNodes)) {
    const data = node.data;
    for (let i = 0; i < data.length; i++) {
      if (/\s/.test(data[i])) {
        if (text.length > 0 && !pending) pending = [node, i];
        continue;
      }
      if (pending) {
        text += " ";
        at.push(pending);
        pending = null;
      }
      text += data[i];
      at.push([node, i]);
    }
  }
  return { text, at };
}

/// Where a DOM point falls in the reading text: the index of the first character at or after it.
function offsetOf(reading, container, offset) {
  const point = document.createRange();
  point.setStart(container, offset);
  let lo = 0, hi = reading.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const [node, i] = reading.at[mid];
    if (point.comparePoint(node, i) < 0) lo = mid + 1; // that character is before the point
    else hi = mid;
  }
  return lo;
}

// ---- highlights

function highlight(article, a) {
  const section = sections(article)[a.ordinal];
  if (!section) return false;
  const reading = readingText(section);
  let start = a.start;
  if (reading.text.slice(a.start, a.end) !== a.exact) {
    start = nearest(reading.text, a.exact, a.start); // the page's text differs a little from the server's
    if (start < 0) return false;
  }
  const end = start + a.exact.length;
  const pieces = [];
  for (let k = start; k < end; k++) {
    const [node, i] = reading.at[k];
    const last = pieces[pieces.length - 1];
    if (last && last.node === node) last.to = i + 1;
    else pieces.push({ node, from: i, to: i + 1 });
  }
  // Split from the last piece backwards: splitting a node never moves the earlier pieces' offsets.
  for (const piece of pieces.reverse()) wrap(piece, a);
  return true;
}

function nearest(text, exact, near) {
  let best = -1;
  for (let i = text.indexOf(exact); i >= 0; i = text.indexOf(exact, i + 1)) {
    if (best < 0 || Math.abs(i - near) < Math.abs(best - near)) best = i;
  }
  return best;
}

function wrap({ node, from, to }, a) {
  let target = node;
  if (to < target.data.length) target.splitText(to);
  if (from > 0) target = target.splitText(from);
  const mark = document.createElement("mark");
  mark.className = `annotation annotation-${a.kind}` + (a.resolved ? " is-resolved" : "");
  mark.dataset.annotationId = a.id;
  target.before(mark);
  mark.append(target);
}

function clearMarks(article) {
  for (const mark of [...article.querySelectorAll("mark.annotation")]) {
    const parent = mark.parentNode;
    while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
    mark.remove();
    parent.normalize();
  }
}

function drawGutter(layer) {
  const { article, gutter, dotnet } = layer;
  gutter.replaceChildren();
  const top = article.getBoundingClientRect().top;
  const rows = new Map();
  for (const mark of article.querySelectorAll("mark.annotation")) {
    if (mark.offsetParent === null) continue; // in a hidden variant
    const id = mark.dataset.annotationId;
    const y = Math.round(mark.getBoundingClientRect().top - top);
    if (!rows.has(id)) rows.set(id, y);
  }
  const byRow = new Map();
  for (const [id, y] of rows) {
    const key = Math.round(y / 8) * 8;
    if (!byRow.has(key)) byRow.set(key, []);
    byRow.get(key).push(id);
  }
  for (const [y, ids] of byRow) {
    const dot = document.createElement("button");
    dot.type = "button";
    dot.className = "annotation-dot";
    dot.style.top = `${y}px`;
    dot.textContent = String(ids.length);
    dot.tabIndex = -1;
    dot.addEventListener("click", () => dotnet.invokeMethodAsync("Select", ids[0]));
    gutter.append(dot);
  }
}

// ---- annotating a selection

function currentSelection(layer) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
  const range = selection.getRangeAt(0);
  if (!layer.article.contains(range.commonAncestorContainer)) return null;
  const all = sections(layer.article);
  const index = all.findIndex((s) => s.nodes.some((n) => n === range.startContainer || n.contains(range.startContainer)));
  if (index < 0) return null;
  const reading = readingText(all[index]);
  const start = offsetOf(reading, range.startContainer, range.startOffset);
  // A selection running into the next section ends where its first section does.
  let end = offsetOf(reading, range.endContainer, range.endOffset);
  while (end > start && reading.text[end - 1] === " ") end--;
  let from = start;
  while (from < end && reading.text[from] === " ") from++;
  if (end <= from) return null;
  return { ordinal: index, start: from, exact: reading.text.slice(from, end), rect: range.getBoundingClientRect() };
}

function placeButton(layer) {
  const found = currentSelection(layer);
  if (!found) {
    layer.button.hidden = true;
    return;
  }
  layer.button.hidden = false;
  layer.button.style.top = `${window.scrollY + found.rect.bottom + 6}px`;
  layer.button.style.left = `${window.scrollX + found.rect.left}px`;
}

function offerSelection(layer) {
  const found = currentSelection(layer);
  layer.button.hidden = true;
  if (found) layer.dotnet.invokeMethodAsync("Compose", found.ordinal, found.exact, found.start);
}
