// Runs the orders handler once, as Lambda would call it, without a token.
const { handler } = await import(`./functions/${process.argv[2] ?? 'orders'}.ts`);
const result = await handler({ headers: {} }, { functionName: 'orders', awsRequestId: 'r-1' });
console.log(JSON.stringify(result));
