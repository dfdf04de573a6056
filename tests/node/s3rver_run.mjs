// s3rver for the S3 sink tests: node s3rver_run.mjs <port> <directory> <bucket>
// Requests must carry the access key S3RVER (s3rver 3.7 does not verify V4 signatures themselves).
// Prints "s3rver ready" when listening.
import S3rver from 's3rver';

const [port, directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  port: Number(port),
  address: '127.0.0.1',
  directory,
  silent: true,
  allowMismatchedSignatures: false,
  configureBuckets: [{ name: bucket }],
});
await server.run();
console.log('s3rver ready');
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
