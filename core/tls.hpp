// A throwaway local certificate authority and TLS server contexts: the CA lives in two PEM files, a leaf
// certificate for a list of hostnames is minted from it at start, and served with SNI and ALPN checks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace mpemu::core::tls {

struct SslCtxFree {
    void operator()(ssl_ctx_st* ctx) const;
};
struct SslFree {
    void operator()(ssl_st* ssl) const;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxFree>;
using SslPtr = std::unique_ptr<ssl_st, SslFree>;

// $XDG_DATA_HOME/mpemu/ca, else $HOME/.local/share/mpemu/ca, else ./.mpemu/ca.
std::string default_ca_dir();
std::string ca_cert_path(const std::string& dir);  // DIR/ca.pem
std::string ca_key_path(const std::string& dir);   // DIR/ca-key.pem
bool ca_exists(const std::string& dir);

// Creates DIR (0700), DIR/ca.pem and DIR/ca-key.pem (0600): a P-256 CA valid for ten years. Refuses to
// replace an existing CA unless `force`, because clients already trust it.
Status create_ca(const std::string& dir, bool force);

struct Leaf {
    std::string cert_pem;  // leaf certificate followed by the CA certificate
    std::string key_pem;
};

// A P-256 leaf for `hosts` (each a DNS subjectAltName; clients ignore the CN), signed by the CA in `dir`,
// valid from an hour ago for 397 days.
Result<Leaf> mint_leaf(const std::string& dir, const std::vector<std::string>& hosts);

// True when `name` equals one of `hosts`, ignoring ASCII case and one trailing dot.
bool host_covered(const std::vector<std::string>& hosts, std::string_view name);

// An OpenSSL server context for one leaf. A ClientHello naming (SNI) a host the leaf does not cover is
// refused with an unrecognized_name alert; ALPN answers http/1.1 when offered and nothing otherwise (Java
// offers h2 first, which the emulator does not speak).
class ServerContext {
public:
    static Result<std::unique_ptr<ServerContext>> create(const Leaf& leaf, std::vector<std::string> hosts);
    ssl_ctx_st* get() const { return ctx_.get(); }
    const std::vector<std::string>& hosts() const { return hosts_; }

private:
    ServerContext() = default;
    SslCtxPtr ctx_;
    std::vector<std::string> hosts_;
};

// The last OpenSSL error as text (and clears the queue).
std::string last_error();

}  // namespace mpemu::core::tls
