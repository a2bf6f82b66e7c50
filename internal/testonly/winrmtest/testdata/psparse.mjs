// psparse.mjs: parses PowerShell with the tree-sitter grammar and reports, for each
// script, its syntax errors, the commands it runs, and the shape of its tree.
// Input on stdin: {"name": "source", ...}. Output on stdout: {"name": {"errors": [...],
// "commands": [...], "shape": "..."}, ...}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Parser, Language } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
const wasm = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');

await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(wasm));

const sources = JSON.parse(readFileSync(0, 'utf8'));
const report = {};
for (const [name, source] of Object.entries(sources)) {
  const tree = parser.parse(source);
  const errors = [];
  const commands = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      const at = node.startPosition;
      errors.push(`${at.row + 1}:${at.column + 1}: ${node.isMissing ? 'missing ' + node.type : 'cannot parse'} near ${JSON.stringify(node.text.slice(0, 40))}`);
    }
    if (node.type === 'command') {
      const callee = node.childForFieldName('command_name');
      commands.push(callee ? callee.text : node.text.split(/\s/)[0]);
    }
    if (node.type === 'invokation_expression') {
      commands.push(node.text.split('(')[0]);
    }
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  const shape = (node) => node.childCount === 0 ? node.type : `(${node.type} ${node.children.map(shape).join(' ')})`;
  report[name] = { errors, commands, shape: shape(tree.rootNode) };
}
process.stdout.write(JSON.stringify(report));
