// A stand-in proxy worker for worker-data-plane tests: ready at once, and it answers every apply
// with a failure whose message is the V8/Node options it was started with.
process.on('message', (m) => {
  if (m.type === 'apply') process.send({ type: 'failed', id: m.id, message: `execArgv ${JSON.stringify(process.execArgv)}` });
  else if (m.type === 'shutdown') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
