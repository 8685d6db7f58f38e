// The smallest useful service for the overhead benchmark: node:http, one JSON answer.
const { createServer } = require('node:http');

const body = JSON.stringify({ ok: true, service: 'bench' });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stderr.write(`LISTENING ${server.address().port}\n`));
