/**
 * Test-side models of how cmd.exe + the C runtime and PowerShell turn a typed command line back into
 * arguments, for the shells this machine cannot run. They follow the documented rules
 * (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments, the cmd.exe parsing
 * phases described at https://stackoverflow.com/a/4095133, about_Quoting_Rules for PowerShell) and are
 * deliberately strict: anything a real shell would treat specially and the model is unsure of throws.
 */

/** Variables the model treats as defined, so a %NAME% that slips through is caught. */
const CMD_VARS = new Set(['PATH', 'HOME', 'OS', 'A', 'TEMP', 'X']);

/** cmd.exe phase 1 at the interactive prompt: %NAME% and %NAME:…% expand when NAME is defined. */
function cmdPercent(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== '%') {
      out += line[i];
      continue;
    }
    const end = line.indexOf('%', i + 1);
    const name = end < 0 ? '' : line.slice(i + 1, end).split(':')[0];
    if (end > 0 && CMD_VARS.has(name.toUpperCase())) {
      out += '<EXPANDED>';
      i = end;
    } else {
      out += '%'; // left alone; scanning goes on right after it (the stricter of the two readings)
    }
  }
  return out;
}

/** cmd.exe phase 2: carets escape outside "…", quotes toggle, unescaped & | < > end the command. */
function cmdSpecial(line: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    if (!quoted && c === '^') {
      if (i + 1 >= line.length) throw new Error('caret at end of line');
      out += line[++i];
      continue;
    }
    if (!quoted && /[&|<>]/.test(c)) throw new Error(`unescaped ${c} would be a cmd.exe operator`);
    out += c;
  }
  return out;
}

/** The Microsoft C runtime's argv splitting. */
export function crtSplit(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let has = false;
  let quoted = false;
  for (let i = 0; i < line.length; ) {
    const c = line[i];
    if (c === '\\') {
      let n = 0;
      while (line[i] === '\\') {
        n++;
        i++;
      }
      if (line[i] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) {
          cur += '"';
          i++;
        }
      } else {
        cur += '\\'.repeat(n);
      }
      has = true;
      continue;
    }
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i += 2;
        continue;
      }
      quoted = !quoted;
      has = true;
      i++;
      continue;
    }
    if (!quoted && (c === ' ' || c === '\t')) {
      if (has) args.push(cur);
      cur = '';
      has = false;
      i++;
      continue;
    }
    cur += c;
    has = true;
    i++;
  }
  if (quoted) throw new Error('unterminated quote');
  if (has) args.push(cur);
  return args;
}

/** The arguments curl.exe receives for one command typed at the cmd.exe prompt. */
export function cmdArgv(commandLine: string): string[] {
  // A caret at the end of a line joins it with the next (the next line's first character is escaped).
  const joined = commandLine.replace(/\^\n/g, '');
  return crtSplit(cmdSpecial(cmdPercent(joined)));
}

const PS_QUOTES = "'\u2018\u2019\u201a\u201b";

/** The arguments PowerShell passes to a native command, for commands built from quoted or bare words. */
export function powershellArgv(commandLine: string): string[] {
  const line = commandLine.replace(/`\n/g, ' ');
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (PS_QUOTES.includes(line[i])) {
      let cur = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated single quote');
        if (PS_QUOTES.includes(line[i])) {
          if (i + 1 < line.length && PS_QUOTES.includes(line[i + 1])) {
            cur += line[i + 1];
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cur += line[i++];
      }
      if (i < line.length && line[i] !== ' ') throw new Error(`text glued to a quoted word at ${i}`);
      args.push(cur);
      continue;
    }
    let word = '';
    while (i < line.length && line[i] !== ' ') word += line[i++];
    // Bare words with these characters mean something to PowerShell (variables, splatting, grouping, …).
    if (/[$@(){};,|&<>`"#\u2018\u2019\u201a\u201b\u201c\u201d]/.test(word)) throw new Error(`bare word ${word} is not literal`);
    args.push(word);
  }
  return args;
}
