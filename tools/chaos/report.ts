import type { Stats, Violation } from './invariants';

export interface ScenarioResult {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped' | 'error';
  stats?: Stats;
  recoveryMs?: number;
  violations: Violation[];
  notes: string[];
  error?: string;
  durationMs: number;
}

const fmtMs = (ms?: number) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** The per-scenario table (Markdown; also readable in a terminal). */
export function renderTable(results: ScenarioResult[]): string {
  const head = '| Scenario | Result | Orders | Completed | Manual review | Lost | Duplicated effects | Absorbed duplicates | Parked | Recovery |';
  const sep = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const rows = results.map((r) => {
    const s = r.stats;
    const cells = s
      ? [s.orders, s.completed, s.manualReview, s.lost, s.duplicatedEffects, s.absorbedDuplicates, s.parked].map(String)
      : ['–', '–', '–', '–', '–', '–', '–'];
    const status = r.status === 'pass' ? 'pass' : r.status === 'fail' ? `**FAIL (${r.violations.length})**` : r.status === 'error' ? '**ERROR**' : 'skipped';
    return `| ${r.id} | ${status} | ${cells.join(' | ')} | ${fmtMs(r.recoveryMs)} |`;
  });
  return [head, sep, ...rows].join('\n');
}

/** Violations, errors and notes per scenario. */
export function renderDetails(results: ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const lines: string[] = [];
    if (r.error) lines.push(`- error: ${r.error}`);
    for (const v of r.violations) lines.push(`- **${v.invariant}**: ${v.detail}`);
    for (const n of r.notes) lines.push(`- ${n}`);
    if (lines.length === 0) continue;
    out.push(`#### ${r.id} — ${r.title} (${fmtMs(r.durationMs)})\n\n${lines.join('\n')}`);
  }
  return out.join('\n\n');
}

/** Replaces the block between the two markers in `doc` (or appends it). */
export function replaceBlock(doc: string, begin: string, end: string, content: string): string {
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  const block = `${begin}\n${content}\n${end}`;
  if (a >= 0 && b > a) return doc.slice(0, a) + block + doc.slice(b + end.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}
