/** A fenced code block of a Markdown file: ```lang word key=value … */
export interface CodeBlock {
  lang: string;
  /** The words after the language (`test`, a name…). */
  words: string[];
  /** `key=value` pairs after the language (`id=exchange`, `expect="text"`). */
  attributes: Record<string, string>;
  code: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const words: string[] = [];
    const attributes: Record<string, string> = {};
    for (const match of open[2]!.matchAll(/(\w[\w-]*)(?:=("([^"]*)"|\S+))?/g)) {
      if (match[2] === undefined) words.push(match[1]!);
      else attributes[match[1]!] = match[3] ?? match[2];
    }
    blocks.push({ lang: open[1]!, words, attributes, code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

/** The one block tagged `name` (```lang name). */
export function codeBlock(markdown: string, name: string): CodeBlock {
  const found = codeBlocks(markdown).filter((block) => block.words.includes(name));
  if (found.length !== 1) throw new Error(`expected one code block tagged ${name}, found ${found.length}`);
  return found[0]!;
}
