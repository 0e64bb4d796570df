#!/bin/sh
# Regenerates the TLS fixtures used by validate.test.ts (test-only keys; never used anywhere else).
# The expected subjects and dates in validate.test.ts must be updated after running this.
set -eu
cd "$(dirname "$0")"
# EC P-256, PKCS#8 key ("PRIVATE KEY"), certificate first.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
  -subj '/O=swarmlet tests/CN=web.example.test' -keyout ec.key -out ec.crt 2>/dev/null
cat ec.crt ec.key > ec-pkcs8.pem
# The same key in SEC1 form ("EC PRIVATE KEY"), key first.
openssl ec -in ec.key -out ec-sec1.key 2>/dev/null
cat ec-sec1.key ec.crt > ec-sec1.pem
# RSA 2048 with a PKCS#1 key ("RSA PRIVATE KEY").
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=rsa.example.test' \
  -keyout rsa.key -out rsa.crt 2>/dev/null
openssl rsa -in rsa.key -traditional -out rsa-pkcs1.key 2>/dev/null
cat rsa.crt rsa-pkcs1.key > rsa-pkcs1.pem
# A certificate with someone else's key.
cat ec.crt rsa.key > mismatch.pem
# An encrypted PKCS#8 key.
openssl pkcs8 -topk8 -in ec.key -passout pass:test -out ec-enc.key 2>/dev/null
cat ec.crt ec-enc.key > encrypted.pem
rm ec.key ec.crt rsa.key rsa.crt ec-sec1.key rsa-pkcs1.key ec-enc.key
