// How a request reached the emulator (plain HTTP, TLS at a provider's hostname, or through the HTTPS proxy)
// and the registry that tells the plain HTTP server about connections the TLS/proxy front relays to it.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mpemu::emulator {

struct Arrival {
    std::string transport = "plain";  // "plain" | "tls" | "proxy"
    std::string host;                 // SNI or CONNECT host for tls/proxy; empty for plain
    std::string client_addr;          // the real client, not the front's loopback relay
    int client_port = 0;
    std::string service;  // a per-service port ("wechat", ...): only that service's routes; empty = all
};

// The front relays each accepted connection over its own loopback connection to the plain HTTP listener.
// It registers that connection by its local (address, port) before sending a byte and removes it after the
// listener closed it, so the server can look the real client up by the peer address it sees: a 4-tuple is
// unique, so the key cannot name another live connection.
class ArrivalRegistry {
public:
    void add(const std::string& addr, int port, Arrival arrival) {
        std::lock_guard lock(mu_);
        map_[key(addr, port)] = std::move(arrival);
        size_.store(map_.size(), std::memory_order_release);
    }
    void remove(const std::string& addr, int port) {
        std::lock_guard lock(mu_);
        map_.erase(key(addr, port));
        size_.store(map_.size(), std::memory_order_release);
    }
    std::optional<Arrival> find(const std::string& addr, int port) const {
        std::lock_guard lock(mu_);
        auto it = map_.find(key(addr, port));
        if (it == map_.end()) return std::nullopt;
        return it->second;
    }
    // Lock-free check so that plain HTTP without a front pays nothing per request.
    bool empty() const { return size_.load(std::memory_order_acquire) == 0; }

private:
    static std::string key(const std::string& addr, int port) { return addr + "|" + std::to_string(port); }
    mutable std::mutex mu_;
    std::unordered_map<std::string, Arrival> map_;
    std::atomic<size_t> size_{0};
};

}  // namespace mpemu::emulator
