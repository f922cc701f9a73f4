// Cryptography on OpenSSL 3: digests, HMAC, base64/hex, RSA keys and SHA256withRSA, AES modes.
// Every function is pure and thread-safe; keys are immutable RAII handles that can be shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct evp_pkey_st;

namespace mpemu::core::crypto {

// ---- encodings ---------------------------------------------------------------------------------
std::string base64_encode(std::string_view bytes);
// Standard alphabet; padding optional; whitespace (CR/LF/space/tab) ignored. Error on anything else.
Result<std::string> base64_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);  // no padding (JWT)
Result<std::string> base64url_decode(std::string_view text);
std::string hex_encode(std::string_view bytes, bool upper = false);
Result<std::string> hex_decode(std::string_view text);

// ---- digests (raw bytes out; wrap in hex_encode for text) --------------------------------------
std::string md5(std::string_view data);
std::string sha1(std::string_view data);
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
// Convenience: lowercase hex of the digest.
std::string md5_hex(std::string_view data);
std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Cryptographically random bytes.
std::string random_bytes(size_t n);

// Constant-time comparison for signatures and tokens.
bool constant_time_equals(std::string_view a, std::string_view b);

// ---- RSA keys ----------------------------------------------------------------------------------
// A loaded key (private or public). Copies share the same OpenSSL object.
class Key {
public:
    Key() = default;
    explicit Key(std::shared_ptr<evp_pkey_st> pkey, bool is_private) : pkey_(std::move(pkey)), private_(is_private) {}
    bool valid() const { return pkey_ != nullptr; }
    bool is_private() const { return private_; }
    evp_pkey_st* get() const { return pkey_.get(); }
    int bits() const;
    // The public half, as SPKI PEM ("-----BEGIN PUBLIC KEY-----").
    std::string public_pem() const;
    // True when both keys have the same public modulus/exponent (a private key matches its public key).
    bool same_public_key(const Key& other) const;

private:
    std::shared_ptr<evp_pkey_st> pkey_;
    bool private_ = false;
};

// Accepts PKCS#8 ("BEGIN PRIVATE KEY"), PKCS#1 ("BEGIN RSA PRIVATE KEY"), or bare base64 DER of either.
Result<Key> load_private_key(std::string_view pem_or_base64);
// Accepts SPKI ("BEGIN PUBLIC KEY"), PKCS#1 ("BEGIN RSA PUBLIC KEY"), an X.509 certificate (its
// public key), or bare base64 DER of SPKI.
Result<Key> load_public_key(std::string_view pem_or_base64);

struct Certificate {
    Key public_key;
    std::string serial_hex;    // upper-case hex of the serial's bytes without the DER sign byte (20 bytes -> 40 digits)
    std::string pem;           // the certificate PEM as given (normalised line endings)
    long long not_before = 0;  // unix seconds
    long long not_after = 0;   // unix seconds
    std::string subject;       // one-line form, e.g. "CN=...,O=..."
};
Result<Certificate> load_certificate(std::string_view pem);

// Loads a PKCS#12 bundle with the password; returns the certificate inside. Error "bad_password" when
// the MAC does not verify. Legacy bundles (RC2/3DES, like apiclient_cert.p12) load OpenSSL's legacy
// provider into the default library context once, on first need.
Result<Certificate> load_pkcs12_certificate(std::string_view der, std::string_view password);

// SHA256withRSA (RSASSA-PKCS1-v1_5), raw signature bytes. Error if the key is not private.
Result<std::string> rsa_sha256_sign(const Key& private_key, std::string_view message);
bool rsa_sha256_verify(const Key& public_key, std::string_view message, std::string_view signature);
// SHA1withRSA, for Alipay's legacy sign_type=RSA.
Result<std::string> rsa_sha1_sign(const Key& private_key, std::string_view message);
bool rsa_sha1_verify(const Key& public_key, std::string_view message, std::string_view signature);

// Convenience: base64 in/out.
Result<std::string> rsa_sha256_sign_base64(const Key& private_key, std::string_view message);
bool rsa_sha256_verify_base64(const Key& public_key, std::string_view message, std::string_view signature_b64);

// ---- AES ---------------------------------------------------------------------------------------
// AES-256-GCM with a 16-byte tag appended to the ciphertext (WeChat Pay's AEAD_AES_256_GCM).
// key: 32 bytes; nonce: any length >= 1 (WeChat Pay uses 12); aad may be empty.
Result<std::string> aes256_gcm_encrypt(std::string_view key, std::string_view nonce, std::string_view aad,
                                       std::string_view plaintext);
// Fails (code "auth_failed") when the tag does not verify.
Result<std::string> aes256_gcm_decrypt(std::string_view key, std::string_view nonce, std::string_view aad,
                                       std::string_view ciphertext_and_tag);

// AES-128-CBC with PKCS#7 padding (WeChat legacy encryptedData). key 16 bytes, iv 16 bytes.
Result<std::string> aes128_cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plaintext);
Result<std::string> aes128_cbc_decrypt(std::string_view key, std::string_view iv, std::string_view ciphertext);

// AES-256-ECB with PKCS#7 padding (WeChat Pay v2 refund req_info). key 32 bytes.
Result<std::string> aes256_ecb_encrypt(std::string_view key, std::string_view plaintext);
Result<std::string> aes256_ecb_decrypt(std::string_view key, std::string_view ciphertext);

// AES-128-CBC with PKCS#7 used by Alipay content encryption (key 16 bytes, zero IV) is covered by
// aes128_cbc_* with iv = 16 zero bytes.

}  // namespace mpemu::core::crypto
