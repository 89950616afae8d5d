#ifndef COPENSSLSHA_SHIM_H
#define COPENSSLSHA_SHIM_H

// SHA-256 from the system's libcrypto (Debian: libssl-dev), through its low-level context: a plain
// struct of about a hundred bytes that is copied by value and needs no allocation, where
// swift-crypto's `SHA256` allocates a context object per hash and another for each copy it updates.
// OpenSSL 3 marks these functions deprecated in favour of EVP, whose contexts are heap objects again.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
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

// Ed25519 (RFC 8032) through EVP, the only door libcrypto has for it: used once a second by the
// audit witness, so its heap contexts cost nothing that matters. Each returns 1 on success, 0 on
// failure (a refused signature included). An empty message may come as a null pointer.

static const unsigned char copensslsha_empty_message = 0;

/// The 32-byte public key of the 32-byte private key `seed`.
static inline int copensslsha_ed25519_public_key(const uint8_t seed[32], uint8_t public_key[32]) {
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (key == NULL) return 0;
    size_t length = 32;
    int ok = EVP_PKEY_get_raw_public_key(key, public_key, &length) == 1 && length == 32;
    EVP_PKEY_free(key);
    return ok;
}

/// The 64-byte signature of `message` by the private key `seed`.
static inline int copensslsha_ed25519_sign(const uint8_t seed[32], const void *message, size_t count,
                                           uint8_t signature[64]) {
    if (message == NULL) message = &copensslsha_empty_message;
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (key == NULL) return 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    size_t length = 64;
    int ok = context != NULL
        && EVP_DigestSignInit(context, NULL, NULL, NULL, key) == 1
        && EVP_DigestSign(context, signature, &length, (const unsigned char *)message, count) == 1
        && length == 64;
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    return ok;
}

/// Whether `signature` is the public key's signature of `message`.
static inline int copensslsha_ed25519_verify(const uint8_t public_key[32], const void *message, size_t count,
                                             const uint8_t signature[64]) {
    if (message == NULL) message = &copensslsha_empty_message;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
    if (key == NULL) return 0;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    int ok = context != NULL
        && EVP_DigestVerifyInit(context, NULL, NULL, NULL, key) == 1
        && EVP_DigestVerify(context, signature, 64, (const unsigned char *)message, count) == 1;
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    return ok;
}

#endif
