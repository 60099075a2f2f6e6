/**
 * Long prose (recommendations, advice, verdicts) wrapped to the terminal's width. Lines break only at
 * spaces, so a URL, a path or a number is never cut: a word longer than the width gets a line of its own.
 */

/** Columns of `stream` when it is a terminal; 80 when it is not (a pipe, a file) or does not say. */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  const columns = stream.isTTY === true ? stream.columns : undefined;
  return columns !== undefined && columns > 0 ? columns : 80;
}

/**
 * `text` as lines of at most `width` characters where spaces allow; lines after the first start with
 * `indent` (a hanging indent under a label such as "Recommended: "). The first line's own leading
 * spaces are kept.
 */
export function wrap(text: string, width = terminalWidth(), indent = ''): string[] {
  const lead = /^ */.exec(text)![0];
  // a number keeps its unit ("11.4 ms" stays on one line): the space between becomes a private-use character (never in real text), a space again at the end
  const glued = text.slice(lead.length).replace(/(\d) (ms|s|%|B|KB|MB|GB)(?=[\s,.;:)]|$)/g, '$1\uE000$2');
  const words = glued.split(/ +/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += empty ? word : ` ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines.map((l) => l.replaceAll('\uE000', ' '));
}
