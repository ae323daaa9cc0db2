// The constitution editor: CodeMirror 6 with Markdown highlighting, bridged to a Blazor component.
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { EditorState, Compartment } from "@codemirror/state";
// No indentWithTab: Tab must move focus out of the editor (keyboard users would otherwise be trapped in it).
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { markdown } from "@codemirror/lang-markdown";
import { syntaxHighlighting, defaultHighlightStyle, HighlightStyle } from "@codemirror/language";
import { oneDark } from "@codemirror/theme-one-dark";

const themeSlot = new Compartment();
// The page's Content-Security-Policy allows script-written style elements only with this response's nonce.
const styleNonce = document.querySelector('meta[name="hub-style-nonce"]')?.content;
const isDark = () => document.documentElement.getAttribute("data-theme") === "dark";
const themeFor = (dark) => (dark ? oneDark : syntaxHighlighting(defaultHighlightStyle, { fallback: true }));

const utf8 = new TextEncoder();

/**
 * Mounts an editor in `host`. `bridge` is a DotNetObjectReference with TextChanged(text), TooLarge(bytes),
 * SaveRequested() and CursorMoved(line). Text changes reach the server debounced, so typing stays fast on long
 * documents; the cursor's line (0-based) is sent when it changes line, after the text it refers to.
 * `limits` are the server's: `documentBytes` (UTF-8 bytes a document may have) and `messageBytes` (the circuit's
 * largest message). Text over either is not sent: a message over the circuit's limit would close the connection
 * with no word to the writer, so the server is told only the size and says "too large".
 */
export function createEditor(host, text, bridge, limits, debounceMs = 300) {
  let timer = 0;
  let cursorTimer = 0;
  let cursorLine = -1;
  const reportCursor = (view) => {
    const line = view.state.doc.lineAt(view.state.selection.main.head).number - 1;
    if (line === cursorLine) return;
    cursorLine = line;
    bridge.invokeMethodAsync("CursorMoved", line);
  };
  const flush = (view) => {
    const value = view.state.doc.toString();
    const bytes = utf8.encode(value).length;
    // The message carries the text as a JSON string; escapes can make it longer than the text.
    const messageBytes = bytes + (JSON.stringify(value).length - value.length) + 1024;
    return bytes > limits.documentBytes || messageBytes > limits.messageBytes
      ? bridge.invokeMethodAsync("TooLarge", bytes)
      : bridge.invokeMethodAsync("TextChanged", value);
  };
  const save = (view) => {
    clearTimeout(timer);
    flush(view).then(() => bridge.invokeMethodAsync("SaveRequested"));
    return true;
  };
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        EditorView.lineWrapping,
        markdown(),
        ...(styleNonce ? [EditorView.cspNonce.of(styleNonce)] : []),
        themeSlot.of(themeFor(isDark())),
        keymap.of([{ key: "Mod-s", run: save, preventDefault: true }, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
        // tabindex: axe-core counts the scroller as keyboard-reachable only through a focusable descendant.
        EditorView.contentAttributes.of({ "aria-label": "Constitution Markdown", "data-testid": "editor", tabindex: "0" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            clearTimeout(timer);
            timer = setTimeout(() => flush(update.view), debounceMs);
          }
          if (update.docChanged || update.selectionSet) {
            // After the text's own flush, so the server finds the line in the text the cursor is in.
            clearTimeout(cursorTimer);
            cursorTimer = setTimeout(() => reportCursor(update.view), debounceMs + 50);
          }
        }),
      ],
    }),
  });
  const onTheme = () => view.dispatch({ effects: themeSlot.reconfigure(themeFor(isDark())) });
  window.addEventListener("hub-theme", onTheme);
  host.hubEditor = view;
  return {
    getValue: () => view.state.doc.toString(),
    setValue: (value) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } }),
    flush: () => { clearTimeout(timer); return flush(view); },
    focus: () => view.focus(),
    dispose: () => { clearTimeout(timer); clearTimeout(cursorTimer); window.removeEventListener("hub-theme", onTheme); view.destroy(); },
  };
}
