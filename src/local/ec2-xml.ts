/**
 * Just enough XML reading for EC2 Query responses: they are machine-written, without attributes
 * on the elements we read, so a tag scanner is enough and avoids an XML parser dependency.
 */

export interface SetItems {
  /** Everything up to and including the set's opening tag. */
  readonly before: string;
  /** The direct `<item>` children, each from `<item>` to `</item>`. */
  readonly items: readonly string[];
  /** Everything from the set's closing tag on. */
  readonly after: string;
}

/** Splits the first `<setName>` element of `xml` into its direct `<item>` children. */
export function splitSetItems(xml: string, setName: string): SetItems | undefined {
  const openTag = `<${setName}>`;
  const openAt = xml.indexOf(openTag);
  const emptySet = new RegExp(`<${setName}\\s*/>`).exec(xml);
  if (emptySet && (openAt < 0 || emptySet.index < openAt)) {
    return { before: xml.slice(0, emptySet.index), items: [], after: xml.slice(emptySet.index) };
  }
  if (openAt < 0) return undefined;
  const bodyStart = openAt + openTag.length;
  const tokens = new RegExp(`<item>|</item>|<item\\s*/>|</${setName}>`, 'g');
  tokens.lastIndex = bodyStart;
  const items: string[] = [];
  let depth = 0;
  let itemStart = -1;
  for (let token = tokens.exec(xml); token !== null; token = tokens.exec(xml)) {
    const text = token[0];
    if (text === '<item>') {
      if (depth === 0) itemStart = token.index;
      depth += 1;
    } else if (text === '</item>') {
      depth -= 1;
      if (depth === 0) items.push(xml.slice(itemStart, token.index + text.length));
    } else if (text.startsWith('<item')) {
      if (depth === 0) items.push(text);
    } else if (depth === 0) {
      return { before: xml.slice(0, bodyStart), items, after: xml.slice(token.index) };
    }
  }
  return undefined;
}

/** Text of the first `<tag>` in `xml`, unescaped. */
export function firstTagText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match ? unescapeXml(match[1] as string) : undefined;
}

/** The first `<tag>…</tag>` element of `xml` (for elements that do not nest in themselves). */
export function firstElement(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>[\\s\\S]*?</${tag}>`).exec(xml);
  return match ? match[0] : undefined;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
