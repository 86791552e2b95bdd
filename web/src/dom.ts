/** The page's DOM helpers: elements made with their values as text (never markup), and instants as local time. */
export type Child = Node | string;
export function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '-');
