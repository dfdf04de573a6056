// The SigV4 signer against the worked examples of AWS's documentation: the S3 examples of
// "Signature Calculations for the Authorization Header" (GET object with a Range, PUT object,
// GET bucket lifecycle, list objects; key AKIAIOSFODNN7EXAMPLE) and the general "Signature
// Version 4" example (IAM ListUsers, key AKIDEXAMPLE) with its canonical request and string to sign.
#include "sink/s3/sigv4.h"
#include "base/url.h"

#include <gtest/gtest.h>

namespace delta::sink::s3 {
namespace {

const Credentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const std::string kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SignInput s3_example(std::string method, std::string path) {
  SignInput in;
  in.method = std::move(method);
  in.path = std::move(path);
  in.amz_date = "20130524T000000Z";
  in.payload_sha256 = kEmptySha;
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", kEmptySha}};
  return in;
}

TEST(SigV4, GetObjectExample) {
  SignInput in = s3_example("GET", "/test.txt");
  in.headers.emplace_back("Range", "bytes=0-9");
  Signature s = sign(in, kS3Example);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                kEmptySha +
                "\nx-amz-date:20130524T000000Z\n\n"
                "host;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObjectExample) {
  SignInput in = s3_example("PUT", "/test$file.text");
  in.payload_sha256 = sha256_hex("Welcome to Amazon S3.");
  EXPECT_EQ(in.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                {"x-amz-content-sha256", in.payload_sha256}};
  Signature s = sign(in, kS3Example);
  EXPECT_EQ(s.canonical_request.substr(0, 21), "PUT\n/test%24file.text");
  EXPECT_EQ(s.signed_headers, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, GetBucketLifecycleExample) {
  SignInput in = s3_example("GET", "/");
  in.query = {{"lifecycle", ""}};
  Signature s = sign(in, kS3Example);
  EXPECT_EQ(s.canonical_request.substr(0, 17), "GET\n/\nlifecycle=\n");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, ListObjectsExampleSortsTheQuery) {
  SignInput in = s3_example("GET", "/");
  in.query = {{"prefix", "J"}, {"max-keys", "2"}};
  Signature s = sign(in, kS3Example);
  EXPECT_EQ(s.canonical_request.substr(0, 26), "GET\n/\nmax-keys=2&prefix=J\n");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, GeneralIamExampleCanonicalRequestAndStringToSign) {
  SignInput in;
  in.method = "GET";
  in.path = "/";
  in.query = {{"Action", "ListUsers"}, {"Version", "2010-05-08"}};
  in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                {"Host", "iam.amazonaws.com"},
                {"X-Amz-Date", "20150830T123600Z"}};
  in.payload_sha256 = kEmptySha;
  in.amz_date = "20150830T123600Z";
  in.service = "iam";
  Signature s = sign(in, Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""});
  EXPECT_EQ(s.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n" +
                kEmptySha);
  EXPECT_EQ(sha256_hex(s.canonical_request),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(s.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, EncodingAndDates) {
  EXPECT_EQ(percent_encode("/a b/c+d~e", true), "/a%20b/c%2Bd~e");
  EXPECT_EQ(percent_encode("a/b=c", false), "a%2Fb%3Dc");
  EXPECT_EQ(amz_date(1'369'353'600'000), "20130524T000000Z");
}

}  // namespace
}  // namespace delta::sink::s3
