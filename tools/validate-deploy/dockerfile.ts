/** Dockerfile policy, checked by parsing the instructions (no Docker engine needed). */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with line continuations joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (buffer === '' && (line === '' || line.startsWith('#'))) return;
    if (buffer !== '' && line.startsWith('#')) return;
    if (buffer === '') start = index + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^(\S+)\s*(.*)$/.exec(buffer);
    if (match) out.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start });
    buffer = '';
  });
  return out;
}

interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = parts[0].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => globalArgs[name] ?? '');
      stages.push({ image, name: parts[1]?.toUpperCase() === 'AS' ? parts[2] : undefined, instructions: [] });
    } else if (stages.length === 0) {
      const arg = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(ins.args);
      if (ins.keyword === 'ARG' && arg) globalArgs[arg[1]] = arg[2].replace(/^"|"$/g, '');
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** The stages whose content ends up in `stage` (FROM <stage> and COPY --from=<stage>), `stage` included. */
function lineage(stage: Stage, stages: Stage[], seen = new Set<Stage>()): Stage[] {
  if (seen.has(stage)) return [];
  seen.add(stage);
  const parents = stages.filter(
    (s) =>
      s.name !== undefined &&
      (s.name === stage.image || stage.instructions.some((i) => copiesFrom(i, s.name))),
  );
  return [stage, ...parents.flatMap((p) => lineage(p, stages, seen))];
}

const copiesFrom = (ins: Instruction, name: string | undefined) =>
  ins.keyword === 'COPY' && name !== undefined && ins.args.split(/\s+/).includes(`--from=${name}`);

const runs = (stage: Stage, pattern: RegExp) => stage.instructions.some((i) => i.keyword === 'RUN' && pattern.test(i.args));

/** Returns the Dockerfile's policy violations. */
export function checkDockerfile(text: string, file = 'Dockerfile'): string[] {
  const stages = stagesOf(parseDockerfile(text));
  if (stages.length === 0) return [`${file}: no FROM`];
  const problems: string[] = [];
  const final = stages[stages.length - 1];
  if (stages.length < 3) problems.push(`${file}: expected a multi-stage build (deps → build → runtime)`);
  if (!stages.some((s) => runs(s, /\bnpm ci\b(?!.*--omit=dev)/))) problems.push(`${file}: no stage installs all dependencies with npm ci`);
  if (!stages.some((s) => runs(s, /\bnpm run build\b/))) problems.push(`${file}: no stage runs npm run build`);
  if (!/^node:20-(slim|alpine)/.test(final.image)) problems.push(`${file}: runtime stage must be FROM node:20-slim or node:20-alpine (is ${final.image})`);
  const finalLineage = lineage(final, stages);
  if (!finalLineage.some((s) => runs(s, /\bnpm ci\b.*--omit=dev/))) problems.push(`${file}: runtime dependencies must come from npm ci --omit=dev`);
  if (finalLineage.some((s) => s !== final && runs(s, /\bnpm ci\b(?!.*--omit=dev)/) && final.instructions.some((i) => copiesFrom(i, s.name) && i.args.includes('node_modules')))) {
    problems.push(`${file}: runtime copies node_modules from a stage with dev dependencies`);
  }
  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const user = users[users.length - 1]?.args.split(':')[0];
  if (!user) problems.push(`${file}: the final stage has no USER (it would run as root)`);
  else if (user === 'root' || user === '0') problems.push(`${file}: the final stage runs as root`);
  else if (user !== '10001') problems.push(`${file}: the final stage should run as uid 10001 (numeric, so runAsNonRoot can verify it)`);
  if (!final.instructions.some((i) => i.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(i.args))) problems.push(`${file}: the final stage must set NODE_ENV=production`);
  const entry = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD').map((i) => i.args).join(' ');
  if (!/tini|dumb-init/.test(entry)) problems.push(`${file}: ENTRYPOINT should be an init (tini) so signals reach node`);
  if (!entry.includes('dist/services/')) problems.push(`${file}: the default command must run dist/services/<name>/src/main.js`);
  return problems;
}
