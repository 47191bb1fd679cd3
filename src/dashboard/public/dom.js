/**
 * Builds DOM nodes from data without ever parsing it as HTML: job names, messages and URLs come from
 * providers, so they only ever become text nodes and attribute values.
 */

/**
 * h('td', { class: 'x', dataset: { jobId } }, 'text', childNode)
 * Attributes: `class`, `dataset`, `style` (an object of custom properties), `on<event>` handlers, others as is.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'style') for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, v);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces every child of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}
