#ifndef COPENSSLSHA_SHIM_H
#define COPENSSLSHA_SHIM_H

// SHA-256 from the system's libcrypto (Debian: libssl-dev), through its low-level context: a plain
// struct of about a hundred bytes that is copied by value and needs no allocation, where
// swift-crypto's `SHA256` allocates a context object per hash and another for each copy it updates.
// OpenSSL 3 marks these functions deprecated in favour of EVP, whose contexts are heap objects again.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stddef.h>
#include <openssl/sha.h>

static inline void copensslsha_init(SHA256_CTX *context) {
    SHA256_Init(context);
}

static inline void copensslsha_update(SHA256_CTX *context, const void *bytes, size_t count) {
    SHA256_Update(context, bytes, count);
}

static inline void copensslsha_final(SHA256_CTX *context, unsigned char digest[32]) {
    SHA256_Final(digest, context);
}

#endif
