// The independent S3 client of the sink tests (@aws-sdk/client-s3, path-style, key pair S3RVER).
//   node s3_client.mjs list <endpoint> <bucket> <prefix>  -> "<key> <size> <etag>" per line
//   node s3_client.mjs get <endpoint> <bucket> <key> <file> -> the object's bytes into <file>
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { writeFileSync } from 'node:fs';

const [cmd, endpoint, bucket, keyOrPrefix, file] = process.argv.slice(2);
const s3 = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});

if (cmd === 'list') {
  const lines = [];
  let token;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOrPrefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) lines.push(`${o.Key} ${o.Size} ${o.ETag}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  lines.sort();
  if (lines.length > 0) console.log(lines.join('\n'));
} else if (cmd === 'get') {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keyOrPrefix }));
  writeFileSync(file, await out.Body.transformToByteArray());
} else {
  console.error('usage: s3_client.mjs list|get ...');
  process.exit(2);
}
