/**
 * `npm run rules -- <command>`: the rule engineer's tool. Each command lives in
 * cli/commands/<name>.ts and exports `run(argv): Promise<exitCode>`.
 */
const commands: Record<
  string,
  { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }
> = {
  check: {
    summary: 'validate the rule set and print what it would deploy',
    load: () => import('./commands/check'),
  },
  test: {
    summary: 'run the rule tests (rules/tests/*.yaml) and print failures as diffs',
    load: () => import('./commands/test'),
  },
  explain: {
    summary: 'explain <rule-id|--expr EXPR> <fixture.yaml>[#trace]: why each trace matched or not',
    load: () => import('./commands/explain'),
  },
  preview: {
    summary: 'preview <event.json> [--enrich] [--email]: the page the notifier would send for an event',
    load: () => import('./commands/preview'),
  },
  backtest: {
    summary:
      'backtest <rule-id>|--all [traces.jsonl | --live --since 6h] [--expr E] [--set k=v] [--json] [--html F]: what it would have paged, for whom',
    load: () => import('./commands/backtest'),
  },
  fire: {
    summary: 'fire <rule-id> [--resolve] [--note TEXT]: put a TEST alert for the rule on EventBridge',
    load: () => import('./commands/fire'),
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    if (name && name !== 'help' && name !== '--help') console.error(`unknown command "${name}"\n`);
    console.error('usage: npm run rules -- <command> [args]\n');
    for (const [n, c] of Object.entries(commands)) console.error(`  ${n.padEnd(10)} ${c.summary}`);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  return (await command.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
