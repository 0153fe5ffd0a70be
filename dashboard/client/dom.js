// @ts-check
/**
 * @module dashboard/client/dom
 * Building the page: `h()` makes an element with properties, listeners and children (text
 * is always a text node, never parsed as HTML: names and URLs come from users), and
 * `region()` re-renders a part of the page only when what it shows has changed, so focus,
 * typed input and hover survive the auto-refresh.
 */

/**
 * @typedef {string | number | Node | null | undefined | false | any[]} Child a node, text, nothing, or a list of them
 */

/**
 * `h("button", { type: "button", onclick: go, disabled: true, title: "why" }, "Promote")`.
 * Keys: `class`, `for`, `on<event>` (a listener), `data-*` and `aria-*` (attributes),
 * anything else is set as a property.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown> | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "for") el.setAttribute("for", String(value));
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role") el.setAttribute(key, String(value));
    else /** @type {any} */ (el)[key] = value;
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {Child[]} children
 */
function append(parent, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/**
 * A URL as text that may wrap after its dots and slashes only (a `<wbr>` there), so a long
 * hostname breaks where a reader expects, never inside a label.
 * @param {string} url
 * @returns {Child[]}
 */
export function wrappableUrl(url) {
  return url.split(/(?<=[./])(?=[^./])/).flatMap((part, i) => (i === 0 ? [part] : [h("wbr"), part]));
}

/**
 * A link to a URL an API answer holds (an origin, an endpoint), opened in a new tab; only
 * http(s) URLs become links, anything else stays text.
 * @param {string} url
 * @param {Child} [text]
 */
export function externalLink(url, text = url) {
  let ok = false;
  try {
    const protocol = new URL(url).protocol;
    ok = protocol === "http:" || protocol === "https:";
  } catch {
    ok = false;
  }
  return ok ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : h("span", null, text);
}

/**
 * A weight as a bar and its number.
 * @param {number} percent
 */
export function weightBar(percent) {
  const fill = h("span", { class: "bar-fill" });
  // CSSOM, not a style attribute: the CSP allows no inline style
  fill.style.width = `${Math.max(0, Math.min(100, percent))}%`;
  return h("span", { class: "weight" }, h("span", { class: "bar", "aria-hidden": "true" }, fill), h("span", { class: "weight-number" }, `${Math.round(percent * 100) / 100}%`));
}

/**
 * A part of the page that is rebuilt only when its key (a JSON text of what it shows)
 * changes.
 * @param {HTMLElement} el
 */
export function region(el) {
  /** @type {string | undefined} */
  let shown;
  return {
    el,
    /**
     * @param {unknown} key
     * @param {() => Child} build
     * @returns {boolean} true when it was rebuilt
     */
    update(key, build) {
      const text = JSON.stringify(key);
      if (text === shown) return false;
      shown = text;
      const content = build();
      el.replaceChildren();
      append(el, [content]);
      return true;
    },
    /** forget what is shown, so the next update rebuilds */
    invalidate() {
      shown = undefined;
    },
  };
}
