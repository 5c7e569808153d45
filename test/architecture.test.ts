// The shape of the code (issue #33): no import circle inside src/ (type-only imports do not count: they vanish
// at run time) and no function in src/ over 100 lines, both read from the sources with the TypeScript compiler.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { packageRoot } from '../src/models/resolver.js';

const SRC = path.join(packageRoot(), 'src');
const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(SRC, f));
const parsed = new Map(files.map((f) => [f, ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true)]));

/** The src/ files a file imports at run time (type-only imports do not make a circle at run time). */
function runtimeImports(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const s of sf.statements) {
    if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || !s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    if (ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) continue;
    if (ts.isExportDeclaration(s) && s.isTypeOnly) continue;
    const spec = s.moduleSpecifier.text;
    if (!spec.startsWith('.')) continue;
    const target = path.resolve(path.dirname(sf.fileName), spec.replace(/\.js$/, '.ts'));
    if (parsed.has(target)) out.push(target);
  }
  return out;
}

function importCircles(): string[][] {
  const graph = new Map([...parsed].map(([f, sf]) => [f, runtimeImports(sf)]));
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') circles.push(stack.slice(stack.indexOf(g)).map((x) => path.relative(SRC, x)));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return circles;
}

test('no import circle inside src/', () => {
  assert.deepEqual(importCircles(), []);
});

test('no function in src/ is over 100 lines', () => {
  const long: string[] = [];
  for (const [f, sf] of parsed) {
    const walk = (n: ts.Node) => {
      if (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isConstructorDeclaration(n)) {
        const [a, b] = [sf.getLineAndCharacterOfPosition(n.getStart()).line, sf.getLineAndCharacterOfPosition(n.getEnd()).line];
        if (b - a + 1 > 100) long.push(`${path.relative(SRC, f)}:${a + 1} (${b - a + 1} lines)`);
      }
      ts.forEachChild(n, walk);
    };
    walk(sf);
  }
  assert.deepEqual(long, []);
});
