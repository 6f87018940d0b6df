// Builds the explorer page into dist/: the bundle (esbuild), the page's HTML
// and SOURCE_HASH, the hash of the inputs that web.SourceHash recomputes in
// Go so a stale committed bundle fails the tests. Run by `make web`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, statSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));

function walk(d) {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function sourceHash() {
  const files = walk(join(dir, 'src')).map((p) => relative(dir, p).split(sep).join('/'));
  files.push('build.mjs', 'package.json', 'package-lock.json');
  // Byte order, as Go's sort.Strings.
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256');
  for (const f of files) {
    const sum = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
    h.update(`${f}\n${sum}\n`);
  }
  return h.digest('hex');
}

const out = join(dir, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [join(dir, 'src', 'main.js')],
  bundle: true,
  minify: true,
  format: 'esm',
  // The chart library loads on the first chart, not with the page.
  splitting: true,
  target: ['es2022'],
  legalComments: 'linked',
  outdir: join(out, 'assets'),
  entryNames: 'app',
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
copyFileSync(join(dir, 'src', 'index.html'), join(out, 'index.html'));
copyFileSync(join(dir, 'src', 'style.css'), join(out, 'assets', 'app.css'));
copyFileSync(join(dir, 'node_modules', 'axe-core', 'axe.min.js'), join(dir, 'testdata', 'axe.min.js'));
writeFileSync(join(out, 'SOURCE_HASH'), sourceHash() + '\n');
console.log('built web/dist', sourceHash().slice(0, 12));
