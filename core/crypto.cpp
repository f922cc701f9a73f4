// Cryptography on OpenSSL 3 (EVP, PEM, X.509 and PKCS#12 APIs only; no deprecated low-level calls).
// Nothing here throws or trusts its input: every failure comes back as an Error and clears OpenSSL's error queue.
#include "core/crypto.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <climits>
#include <ctime>
#include <mutex>

namespace mpemu::core::crypto {

namespace {

// ---- RAII for OpenSSL objects ------------------------------------------------------------------

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};

void free_openssl_bytes(unsigned char* p) {
    OPENSSL_free(p);
}
void free_openssl_chars(char* p) {
    OPENSSL_free(p);
}
void free_x509_stack(STACK_OF(X509) * s) {
    sk_X509_pop_free(s, X509_free);
}

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_x509_stack>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;
using Pkcs8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
using BytesPtr = std::unique_ptr<unsigned char, Deleter<unsigned char, free_openssl_bytes>>;
using CharsPtr = std::unique_ptr<char, Deleter<char, free_openssl_chars>>;

// OpenSSL wants a non-null pointer even for zero-length input (string_view::data() may be null).
const unsigned char kNoBytes[1] = {0};

const unsigned char* bytes_of(std::string_view s) {
    return s.empty() ? kNoBytes : reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes_of(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}

// Drains OpenSSL's thread-local error queue so that a failure here never leaks into an unrelated
// later call (httplib's TLS code reads the same queue); the text goes to the log-only detail.
std::string drain_openssl_errors() {
    std::string out;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        if (!out.empty()) out += "; ";
        out += buf.data();
    }
    return out;
}

Error openssl_error(std::string code, std::string message) {
    return make_error(std::move(code), std::move(message), drain_openssl_errors());
}

// EVP lengths are ints; anything that does not fit is refused rather than truncated.
bool fits_int(size_t n) {
    return n <= static_cast<size_t>(INT_MAX) - 64;
}

BioPtr memory_bio(std::string_view data) {
    if (!fits_int(data.size())) return nullptr;
    return BioPtr(BIO_new_mem_buf(bytes_of(data), static_cast<int>(data.size())));
}

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0 || data == nullptr) return {};
    return std::string(data, static_cast<size_t>(n));
}

// ---- base64 ------------------------------------------------------------------------------------

constexpr std::string_view kStdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode64(std::string_view in, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    auto at = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
    for (; i + 3 <= in.size(); i += 3) {
        unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    size_t rest = in.size() - i;
    if (rest == 1) {
        unsigned v = at(i) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        unsigned v = (at(i) << 16) | (at(i + 1) << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

int value_in(std::string_view alphabet, char c) {
    size_t pos = alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

Error bad_base64(std::string detail) {
    return make_error("invalid_base64", "invalid base64 text", std::move(detail));
}

// Whitespace is skipped anywhere (PEM bodies and pasted keys wrap lines); '=' may only end the
// text, and when present it must complete the last quantum, so "QQ=" is refused but "QQ" is fine.
Result<std::string> decode64(std::string_view text, std::string_view alphabet) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    unsigned acc = 0;
    size_t symbols = 0;  // alphabet characters seen
    size_t padding = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return bad_base64("data after '=' padding at offset " + std::to_string(i));
        int v = value_in(alphabet, c);
        if (v < 0) return bad_base64("invalid character at offset " + std::to_string(i));
        acc = (acc << 6) | static_cast<unsigned>(v);
        ++symbols;
        if (symbols % 4 == 0) {
            out += static_cast<char>((acc >> 16) & 0xFF);
            out += static_cast<char>((acc >> 8) & 0xFF);
            out += static_cast<char>(acc & 0xFF);
            acc = 0;
        }
    }
    size_t tail = symbols % 4;
    if (tail == 1) return bad_base64("truncated: a lone final character");
    if (padding > 0 && (tail == 0 || tail + padding != 4)) return bad_base64("wrong amount of '=' padding");
    if (tail == 2) {
        out += static_cast<char>((acc >> 4) & 0xFF);
    } else if (tail == 3) {
        out += static_cast<char>((acc >> 10) & 0xFF);
        out += static_cast<char>((acc >> 2) & 0xFF);
    }
    return out;
}

// ---- digests -----------------------------------------------------------------------------------

std::string digest(const EVP_MD* md, std::string_view data) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int len = 0;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1;
    // Fed in pieces so that no length is ever narrowed to int or below.
    for (size_t off = 0; ok && off < data.size(); off += (1u << 30)) {
        size_t n = std::min<size_t>(data.size() - off, 1u << 30);
        ok = EVP_DigestUpdate(ctx.get(), bytes_of(data) + off, n) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx.get(), bytes_of(out), &len) == 1;
    if (!ok) {
        drain_openssl_errors();
        return {};
    }
    out.resize(len);
    return out;
}

// ---- RSA key loading ---------------------------------------------------------------------------

// One PEM block: its label ("PRIVATE KEY", ...) and DER body. Encrypted PEM (with headers) is refused.
struct PemBlock {
    std::string label;
    std::string der;
};

Result<PemBlock> read_pem(std::string_view text) {
    BioPtr bio = memory_bio(text);
    if (!bio) return make_error("invalid_pem", "PEM text is too large");
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    int rc = PEM_read_bio(bio.get(), &name, &header, &data, &len);
    CharsPtr name_owner(name);
    CharsPtr header_owner(header);
    BytesPtr data_owner(data);
    if (rc != 1 || name == nullptr || data == nullptr || len < 0) {
        return openssl_error("invalid_pem", "not a readable PEM block");
    }
    if (header != nullptr && header[0] != '\0') {
        return make_error("encrypted_key", "encrypted PEM is not supported; provide the key unencrypted",
                          std::string("PEM headers: ") + header);
    }
    return PemBlock{name, std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(len))};
}

bool looks_like_pem(std::string_view text) {
    return text.find("-----BEGIN ") != std::string_view::npos;
}

// d2i parsers must consume the whole buffer: trailing bytes mean the input was not what it claims.
template <class Parse>
PkeyPtr parse_whole(std::string_view der, Parse parse) {
    if (!fits_int(der.size()) || der.empty()) return nullptr;
    const unsigned char* p = bytes_of(der);
    const unsigned char* end = p + der.size();
    PkeyPtr key(parse(&p, static_cast<long>(der.size())));
    if (key && p != end) key.reset();
    return key;
}

PkeyPtr parse_pkcs8_private(std::string_view der) {
    if (!fits_int(der.size()) || der.empty()) return nullptr;
    const unsigned char* p = bytes_of(der);
    const unsigned char* end = p + der.size();
    Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
    if (!info || p != end) return nullptr;
    return PkeyPtr(EVP_PKCS82PKEY(info.get()));
}

PkeyPtr parse_pkcs1_private(std::string_view der) {
    return parse_whole(der,
                       [](const unsigned char** p, long n) { return d2i_PrivateKey(EVP_PKEY_RSA, nullptr, p, n); });
}

PkeyPtr parse_spki(std::string_view der) {
    return parse_whole(der, [](const unsigned char** p, long n) { return d2i_PUBKEY(nullptr, p, n); });
}

PkeyPtr parse_pkcs1_public(std::string_view der) {
    return parse_whole(der, [](const unsigned char** p, long n) { return d2i_PublicKey(EVP_PKEY_RSA, nullptr, p, n); });
}

Result<Key> wrap_rsa(PkeyPtr pkey, bool is_private, std::string_view what) {
    if (!pkey) return openssl_error("invalid_key", "could not parse the " + std::string(what));
    if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
        drain_openssl_errors();
        const char* type = EVP_PKEY_get0_type_name(pkey.get());
        return make_error("unsupported_key_type", "only RSA keys are supported",
                          std::string("key type: ") + (type ? type : "unknown"));
    }
    drain_openssl_errors();  // a fallback parser may have failed before the one that succeeded
    return Key(std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free), is_private);
}

// ---- certificates ------------------------------------------------------------------------------

// Days since 1970-01-01 for a proleptic Gregorian date (avoids timegm, which is not standard C++).
long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool asn1_time_to_unix(const ASN1_TIME* t, long long& out) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
    long long days =
        days_from_civil(tm.tm_year + 1900LL, static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
    out = days * 86400 + tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec;
    return true;
}

// OpenSSL keeps an INTEGER's magnitude without the DER sign byte, which is exactly what WeChat
// Pay prints as the serial (so 20 bytes -> 40 hex digits whether or not DER needed a 00 prefix).
std::string serial_hex(const X509* cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
    if (serial == nullptr) return {};
    const unsigned char* data = ASN1_STRING_get0_data(serial);
    int len = ASN1_STRING_length(serial);
    if (data == nullptr || len <= 0) return "00";
    std::string hex = hex_encode(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(len)), true);
    return ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" + hex : hex;
}

std::string subject_line(const X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) return {};
    // RFC 2253 order and escaping, but UTF-8 kept readable instead of \XX-escaped.
    unsigned long flags = XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
    if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, flags) < 0) return {};
    return bio_contents(bio.get());
}

std::string normalise_line_endings(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 1);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += '\n';
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else {
            out += text[i];
        }
    }
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
}

Result<Certificate> certificate_from_x509(X509Ptr x509, std::string pem) {
    PkeyPtr pkey(X509_get_pubkey(x509.get()));
    auto key = wrap_rsa(std::move(pkey), false, "certificate public key");
    if (!key) return key.error();
    Certificate cert;
    cert.public_key = std::move(*key);
    cert.serial_hex = serial_hex(x509.get());
    cert.pem = std::move(pem);
    cert.subject = subject_line(x509.get());
    if (!asn1_time_to_unix(X509_get0_notBefore(x509.get()), cert.not_before) ||
        !asn1_time_to_unix(X509_get0_notAfter(x509.get()), cert.not_after)) {
        return openssl_error("invalid_certificate", "the certificate validity dates cannot be read");
    }
    drain_openssl_errors();
    return cert;
}

// The first "CERTIFICATE" block of the text, exactly as given.
Result<std::string> certificate_block(std::string_view text) {
    constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
    constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
    size_t b = text.find(kBegin);
    if (b == std::string_view::npos) return make_error("invalid_certificate", "no BEGIN CERTIFICATE block found");
    size_t e = text.find(kEnd, b + kBegin.size());
    if (e == std::string_view::npos) return make_error("invalid_certificate", "certificate PEM has no END line");
    return normalise_line_endings(text.substr(b, e + kEnd.size() - b));
}

X509Ptr parse_x509_der(std::string_view der) {
    if (!fits_int(der.size()) || der.empty()) return nullptr;
    const unsigned char* p = bytes_of(der);
    const unsigned char* end = p + der.size();
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (x && p != end) x.reset();
    return x;
}

// Real apiclient_cert.p12 files use RC2-40 and 3DES, which OpenSSL 3 only has in its legacy
// provider. It is loaded once, only when a bundle needs it, next to the default provider
// (loading any provider explicitly would otherwise switch the default one off).
bool load_legacy_provider() {
    static std::once_flag once;
    static bool loaded = false;
    std::call_once(once, [] {
        OSSL_PROVIDER* def = OSSL_PROVIDER_load(nullptr, "default");
        OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(nullptr, "legacy");
        // Both stay loaded for the life of the process on purpose: algorithms fetched from them
        // may be cached anywhere.
        loaded = def != nullptr && legacy != nullptr;
        drain_openssl_errors();
    });
    return loaded;
}

bool queue_has_mac_failure() {
    unsigned long e = 0;
    bool found = false;
    while ((e = ERR_get_error()) != 0) {
        found = found || (ERR_GET_LIB(e) == ERR_LIB_PKCS12 && ERR_GET_REASON(e) == PKCS12_R_MAC_VERIFY_FAILURE);
    }
    return found;
}

// ---- signatures --------------------------------------------------------------------------------

Result<std::string> rsa_sign(const EVP_MD* md, const Key& key, std::string_view message) {
    if (!key.valid()) return make_error("invalid_key", "no key loaded");
    if (!key.is_private()) return make_error("invalid_key", "signing needs a private key");
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return openssl_error("crypto_error", "out of memory");
    if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) {
        return openssl_error("crypto_error", "cannot start signing with this key");
    }
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, bytes_of(message), message.size()) != 1) {
        return openssl_error("crypto_error", "signing failed");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), bytes_of(sig), &len, bytes_of(message), message.size()) != 1) {
        return openssl_error("crypto_error", "signing failed");
    }
    sig.resize(len);
    return sig;
}

bool rsa_verify(const EVP_MD* md, const Key& key, std::string_view message, std::string_view signature) {
    if (!key.valid() || signature.empty()) return false;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    bool ok =
        ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
        EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(), bytes_of(message), message.size()) == 1;
    drain_openssl_errors();
    return ok;
}

// ---- ciphers -----------------------------------------------------------------------------------

// Runs the cipher over `in` in pieces that fit an int, appending to `out` starting at `written`.
bool cipher_update(EVP_CIPHER_CTX* ctx, std::string& out, size_t& written, std::string_view in) {
    constexpr size_t kChunk = size_t{1} << 30;
    for (size_t off = 0; off < in.size(); off += kChunk) {
        int n = static_cast<int>(std::min(kChunk, in.size() - off));
        int outl = 0;
        if (EVP_CipherUpdate(ctx, bytes_of(out) + written, &outl, bytes_of(in) + off, n) != 1) return false;
        written += static_cast<size_t>(outl);
    }
    return true;
}

Error bad_length(const std::string& what, size_t expected, size_t got) {
    return make_error("invalid_argument", what + " must be " + std::to_string(expected) + " bytes",
                      "got " + std::to_string(got) + " bytes");
}

// AES in a padded block mode (CBC or ECB, PKCS#7 padding).
Result<std::string> aes_block(const EVP_CIPHER* cipher, bool encrypt, std::string_view key, std::string_view iv,
                              std::string_view in) {
    if (!encrypt && (in.empty() || in.size() % 16 != 0)) {
        return make_error("invalid_argument", "ciphertext length must be a non-zero multiple of 16",
                          "got " + std::to_string(in.size()) + " bytes");
    }
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return openssl_error("crypto_error", "out of memory");
    if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, bytes_of(key), iv.empty() ? nullptr : bytes_of(iv),
                          encrypt ? 1 : 0) != 1) {
        return openssl_error("crypto_error", "cannot initialise AES");
    }
    std::string out(in.size() + 32, '\0');
    size_t written = 0;
    if (!cipher_update(ctx.get(), out, written, in)) return openssl_error("crypto_error", "AES failed");
    int final_len = 0;
    if (EVP_CipherFinal_ex(ctx.get(), bytes_of(out) + written, &final_len) != 1) {
        if (encrypt) return openssl_error("crypto_error", "AES failed");
        return openssl_error("bad_padding", "decryption failed: bad PKCS#7 padding (wrong key or iv?)");
    }
    out.resize(written + static_cast<size_t>(final_len));
    return out;
}

constexpr size_t kGcmTagLength = 16;

Result<std::string> gcm_check(std::string_view key, std::string_view nonce) {
    if (key.size() != 32) return bad_length("AES-256-GCM key", 32, key.size());
    if (nonce.empty() || !fits_int(nonce.size())) {
        return make_error("invalid_argument", "AES-256-GCM nonce must not be empty");
    }
    return std::string();
}

CipherCtxPtr gcm_start(bool encrypt, std::string_view key, std::string_view nonce, std::string_view aad) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    int enc = encrypt ? 1 : 0;
    int outl = 0;
    bool ok = ctx && EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
              EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, bytes_of(key), bytes_of(nonce), enc) == 1;
    // A null output buffer is how EVP takes additional authenticated data; empty AAD adds nothing.
    for (size_t off = 0; ok && off < aad.size(); off += (1u << 30)) {
        int n = static_cast<int>(std::min<size_t>(aad.size() - off, 1u << 30));
        ok = EVP_CipherUpdate(ctx.get(), nullptr, &outl, bytes_of(aad) + off, n) == 1;
    }
    if (!ok) ctx.reset();
    return ctx;
}

}  // namespace

// ---- encodings ---------------------------------------------------------------------------------

std::string base64_encode(std::string_view bytes) {
    return encode64(bytes, kStdAlphabet, true);
}

Result<std::string> base64_decode(std::string_view text) {
    return decode64(text, kStdAlphabet);
}

std::string base64url_encode(std::string_view bytes) {
    return encode64(bytes, kUrlAlphabet, false);
}

Result<std::string> base64url_decode(std::string_view text) {
    return decode64(text, kUrlAlphabet);
}

std::string hex_encode(std::string_view bytes, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        auto u = static_cast<unsigned char>(c);
        out += digits[u >> 4];
        out += digits[u & 0x0F];
    }
    return out;
}

Result<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) return make_error("invalid_hex", "hex text must have an even length");
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = nibble(text[i]);
        int lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return make_error("invalid_hex", "invalid hex character",
                              "at offset " + std::to_string(hi < 0 ? i : i + 1));
        }
        out += static_cast<char>((hi << 4) | lo);
    }
    return out;
}

// ---- digests -----------------------------------------------------------------------------------

std::string md5(std::string_view data) {
    return digest(EVP_md5(), data);
}
std::string sha1(std::string_view data) {
    return digest(EVP_sha1(), data);
}
std::string sha256(std::string_view data) {
    return digest(EVP_sha256(), data);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    size_t len = 0;
    // EVP_Q_mac takes size_t lengths, so no chunking is needed.
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, bytes_of(key), key.size(), bytes_of(data), data.size(),
                  bytes_of(out), out.size(), &len) == nullptr) {
        drain_openssl_errors();
        return {};
    }
    out.resize(len);
    return out;
}

std::string md5_hex(std::string_view data) {
    return hex_encode(md5(data));
}
std::string sha1_hex(std::string_view data) {
    return hex_encode(sha1(data));
}
std::string sha256_hex(std::string_view data) {
    return hex_encode(sha256(data));
}
std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    return hex_encode(hmac_sha256(key, data));
}

std::string random_bytes(size_t n) {
    std::string out(n, '\0');
    constexpr size_t kChunk = size_t{1} << 30;
    for (size_t off = 0; off < n; off += kChunk) {
        int len = static_cast<int>(std::min(kChunk, n - off));
        // A failing CSPRNG must never hand out predictable bytes: the caller gets an empty string.
        if (RAND_bytes(bytes_of(out) + off, len) != 1) {
            drain_openssl_errors();
            return {};
        }
    }
    return out;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
    // Only the length may leak, which signatures and tokens of a given kind do not keep secret.
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(bytes_of(a), bytes_of(b), a.size()) == 0;
}

// ---- RSA keys ----------------------------------------------------------------------------------

int Key::bits() const {
    return pkey_ ? EVP_PKEY_get_bits(pkey_.get()) : 0;
}

std::string Key::public_pem() const {
    if (!pkey_) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) {
        drain_openssl_errors();
        return {};
    }
    return bio_contents(bio.get());
}

bool Key::same_public_key(const Key& other) const {
    if (!pkey_ || !other.pkey_) return false;
    // EVP_PKEY_eq compares public components only, so a private key equals its public half.
    bool same = EVP_PKEY_eq(pkey_.get(), other.pkey_.get()) == 1;
    drain_openssl_errors();
    return same;
}

Result<Key> load_private_key(std::string_view pem_or_base64) {
    if (looks_like_pem(pem_or_base64)) {
        auto block = read_pem(pem_or_base64);
        if (!block) return block.error();
        if (block->label == "PRIVATE KEY") return wrap_rsa(parse_pkcs8_private(block->der), true, "PKCS#8 private key");
        if (block->label == "RSA PRIVATE KEY") {
            return wrap_rsa(parse_pkcs1_private(block->der), true, "PKCS#1 private key");
        }
        if (block->label == "ENCRYPTED PRIVATE KEY") {
            return make_error("encrypted_key", "encrypted PEM is not supported; provide the key unencrypted");
        }
        return make_error("invalid_key", "expected a private key PEM, got \"" + block->label + "\"");
    }
    auto der = base64_decode(pem_or_base64);
    if (!der) return make_error("invalid_key", "not a PEM private key nor base64 DER", der.error().detail);
    PkeyPtr pkey = parse_pkcs8_private(*der);
    if (!pkey) pkey = parse_pkcs1_private(*der);
    return wrap_rsa(std::move(pkey), true, "base64 DER private key (PKCS#8 or PKCS#1)");
}

Result<Key> load_public_key(std::string_view pem_or_base64) {
    if (looks_like_pem(pem_or_base64)) {
        auto block = read_pem(pem_or_base64);
        if (!block) return block.error();
        if (block->label == "PUBLIC KEY") return wrap_rsa(parse_spki(block->der), false, "public key (SPKI)");
        if (block->label == "RSA PUBLIC KEY") {
            return wrap_rsa(parse_pkcs1_public(block->der), false, "PKCS#1 public key");
        }
        if (block->label == "CERTIFICATE") {
            X509Ptr x509 = parse_x509_der(block->der);
            if (!x509) return openssl_error("invalid_certificate", "could not parse the certificate");
            return wrap_rsa(PkeyPtr(X509_get_pubkey(x509.get())), false, "certificate public key");
        }
        return make_error("invalid_key", "expected a public key or certificate PEM, got \"" + block->label + "\"");
    }
    auto der = base64_decode(pem_or_base64);
    if (!der) return make_error("invalid_key", "not a PEM public key nor base64 DER", der.error().detail);
    return wrap_rsa(parse_spki(*der), false, "base64 DER public key (SPKI)");
}

Result<Certificate> load_certificate(std::string_view pem) {
    auto text = certificate_block(pem);
    if (!text) return text.error();
    auto block = read_pem(*text);
    if (!block) return block.error();
    X509Ptr x509 = parse_x509_der(block->der);
    if (!x509) return openssl_error("invalid_certificate", "could not parse the certificate");
    return certificate_from_x509(std::move(x509), std::move(*text));
}

Result<Certificate> load_pkcs12_certificate(std::string_view der, std::string_view password) {
    if (der.empty() || !fits_int(der.size())) return make_error("invalid_pkcs12", "empty or oversized PKCS#12 data");
    if (password.find('\0') != std::string_view::npos) {
        return make_error("invalid_argument", "PKCS#12 password must not contain NUL");
    }
    const unsigned char* p = bytes_of(der);
    Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
    if (!p12) return openssl_error("invalid_pkcs12", "not a PKCS#12 (DER) bundle");
    const std::string pass(password);

    X509Ptr x509;
    bool retried = false;
    while (true) {
        EVP_PKEY* raw_key = nullptr;
        X509* raw_cert = nullptr;
        STACK_OF(X509)* raw_ca = nullptr;
        int rc = PKCS12_parse(p12.get(), pass.c_str(), &raw_key, &raw_cert, &raw_ca);
        PkeyPtr key_owner(raw_key);  // the bundle's private key is not returned; freed here
        X509StackPtr ca_owner(raw_ca);
        x509.reset(raw_cert);
        if (rc == 1) break;
        x509.reset();
        if (queue_has_mac_failure()) return make_error("bad_password", "wrong PKCS#12 password");
        if (retried || !load_legacy_provider()) {
            return make_error("invalid_pkcs12", "cannot decrypt the PKCS#12 bundle");
        }
        retried = true;
    }
    if (!x509) return openssl_error("invalid_pkcs12", "the PKCS#12 bundle holds no certificate");

    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), x509.get()) != 1) {
        return openssl_error("crypto_error", "cannot write the certificate as PEM");
    }
    return certificate_from_x509(std::move(x509), bio_contents(bio.get()));
}

// ---- signatures --------------------------------------------------------------------------------

Result<std::string> rsa_sha256_sign(const Key& private_key, std::string_view message) {
    return rsa_sign(EVP_sha256(), private_key, message);
}

bool rsa_sha256_verify(const Key& public_key, std::string_view message, std::string_view signature) {
    return rsa_verify(EVP_sha256(), public_key, message, signature);
}

Result<std::string> rsa_sha1_sign(const Key& private_key, std::string_view message) {
    return rsa_sign(EVP_sha1(), private_key, message);
}

bool rsa_sha1_verify(const Key& public_key, std::string_view message, std::string_view signature) {
    return rsa_verify(EVP_sha1(), public_key, message, signature);
}

Result<std::string> rsa_sha256_sign_base64(const Key& private_key, std::string_view message) {
    auto sig = rsa_sha256_sign(private_key, message);
    if (!sig) return sig.error();
    return base64_encode(*sig);
}

bool rsa_sha256_verify_base64(const Key& public_key, std::string_view message, std::string_view signature_b64) {
    auto sig = base64_decode(signature_b64);
    return sig && rsa_sha256_verify(public_key, message, *sig);
}

// ---- AES ---------------------------------------------------------------------------------------

Result<std::string> aes256_gcm_encrypt(std::string_view key, std::string_view nonce, std::string_view aad,
                                       std::string_view plaintext) {
    if (auto check = gcm_check(key, nonce); !check) return check.error();
    if (!fits_int(aad.size())) return make_error("invalid_argument", "AAD is too large");
    CipherCtxPtr ctx = gcm_start(true, key, nonce, aad);
    if (!ctx) return openssl_error("crypto_error", "cannot initialise AES-256-GCM");
    std::string out(plaintext.size() + kGcmTagLength, '\0');
    size_t written = 0;
    int final_len = 0;
    if (!cipher_update(ctx.get(), out, written, plaintext) ||
        EVP_CipherFinal_ex(ctx.get(), bytes_of(out) + written, &final_len) != 1) {
        return openssl_error("crypto_error", "AES-256-GCM encryption failed");
    }
    written += static_cast<size_t>(final_len);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagLength, bytes_of(out) + written) != 1) {
        return openssl_error("crypto_error", "cannot read the GCM tag");
    }
    out.resize(written + kGcmTagLength);
    return out;
}

Result<std::string> aes256_gcm_decrypt(std::string_view key, std::string_view nonce, std::string_view aad,
                                       std::string_view ciphertext_and_tag) {
    if (auto check = gcm_check(key, nonce); !check) return check.error();
    if (!fits_int(aad.size())) return make_error("invalid_argument", "AAD is too large");
    if (ciphertext_and_tag.size() < kGcmTagLength) {
        return make_error("invalid_argument", "ciphertext is shorter than the 16-byte GCM tag",
                          "got " + std::to_string(ciphertext_and_tag.size()) + " bytes");
    }
    std::string_view body = ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kGcmTagLength);
    std::string tag(ciphertext_and_tag.substr(body.size()));
    CipherCtxPtr ctx = gcm_start(false, key, nonce, aad);
    if (!ctx) return openssl_error("crypto_error", "cannot initialise AES-256-GCM");
    std::string out(body.size() + kGcmTagLength, '\0');
    size_t written = 0;
    if (!cipher_update(ctx.get(), out, written, body) ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagLength, bytes_of(tag)) != 1) {
        return openssl_error("crypto_error", "AES-256-GCM decryption failed");
    }
    int final_len = 0;
    if (EVP_CipherFinal_ex(ctx.get(), bytes_of(out) + written, &final_len) != 1) {
        return openssl_error("auth_failed", "AES-256-GCM authentication failed (wrong key, nonce, AAD or data)");
    }
    out.resize(written + static_cast<size_t>(final_len));
    return out;
}

Result<std::string> aes128_cbc_encrypt(std::string_view key, std::string_view iv, std::string_view plaintext) {
    if (key.size() != 16) return bad_length("AES-128-CBC key", 16, key.size());
    if (iv.size() != 16) return bad_length("AES-128-CBC iv", 16, iv.size());
    return aes_block(EVP_aes_128_cbc(), true, key, iv, plaintext);
}

Result<std::string> aes128_cbc_decrypt(std::string_view key, std::string_view iv, std::string_view ciphertext) {
    if (key.size() != 16) return bad_length("AES-128-CBC key", 16, key.size());
    if (iv.size() != 16) return bad_length("AES-128-CBC iv", 16, iv.size());
    return aes_block(EVP_aes_128_cbc(), false, key, iv, ciphertext);
}

Result<std::string> aes256_ecb_encrypt(std::string_view key, std::string_view plaintext) {
    if (key.size() != 32) return bad_length("AES-256-ECB key", 32, key.size());
    return aes_block(EVP_aes_256_ecb(), true, key, {}, plaintext);
}

Result<std::string> aes256_ecb_decrypt(std::string_view key, std::string_view ciphertext) {
    if (key.size() != 32) return bad_length("AES-256-ECB key", 32, key.size());
    return aes_block(EVP_aes_256_ecb(), false, key, {}, ciphertext);
}

}  // namespace mpemu::core::crypto
