// tiny reverse proxy: http://127.0.0.1:4874/npm/<path> -> http://127.0.0.1:4873/<path>,
// rewriting tarball URLs in JSON bodies; requires some Authorization header (token or basic).
const http = require('http');
const zlib = require('zlib');
http.createServer((req, res) => {
  if (!req.url.startsWith('/npm/')) { res.writeHead(404); return res.end('no'); }
  if (!req.headers.authorization) { res.writeHead(401, {'www-authenticate': 'Basic'}); return res.end('auth'); }
  const path = req.url.slice(4);
  const headers = Object.assign({}, req.headers, {host: '127.0.0.1:4873', 'accept-encoding': 'identity'});
  delete headers.authorization;
  const up = http.request({host: '127.0.0.1', port: 4873, path, method: req.method, headers}, (ur) => {
    const ct = ur.headers['content-type'] || '';
    if (ct.includes('json')) {
      const chunks = [];
      ur.on('data', c => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks).toString().split('http://127.0.0.1:4873/').join('http://127.0.0.1:4874/npm/');
        const h = Object.assign({}, ur.headers); delete h['content-length']; delete h['content-encoding']; delete h['etag'];
        res.writeHead(ur.statusCode, h); res.end(body);
      });
    } else { res.writeHead(ur.statusCode, ur.headers); ur.pipe(res); }
  });
  req.pipe(up);
}).listen(4874, '127.0.0.1');
