// An express service for the overhead benchmark: one parameterised route and a middleware, so the
// express instrumentation has layers to wrap and a route to report.
const express = require('express');

const app = express();
app.use((req, _res, next) => {
  req.receivedAt = Date.now();
  next();
});
app.get('/users/:id', (req, res) => {
  res.json({ id: req.params.id, receivedAt: req.receivedAt });
});
const server = app.listen(0, '127.0.0.1', () => process.stderr.write(`LISTENING ${server.address().port}\n`));
