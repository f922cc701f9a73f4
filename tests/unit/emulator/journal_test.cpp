// The journal's streamed replies: the same bytes as dumping the whole document, in bounded pieces, and a
// reader's entries outlive the ring dropping them.
#include "emulator/journal.hpp"

#include <catch2/catch.hpp>

using namespace mpemu;
using namespace mpemu::emulator;

namespace {

JournalEntry entry_with_bodies(int i) {
    JournalEntry e;
    e.id = "req" + std::to_string(i);
    e.started_ms = 1700000000000LL + i;
    e.emulated_ms = 1700000000000LL + i;
    e.method = i % 2 ? "POST" : "GET";
    e.target = "/sns/jscode2session?appid=wx" + std::to_string(i) + "&js_code=c%20" + std::to_string(i);
    e.group = "wechat";
    e.request_headers = {{"Content-Type", "application/json"}, {"X-N", std::to_string(i)}};
    e.request_body = i % 2 ? R"({"n":)" + std::to_string(i) + "}" : "";
    e.status = 200 + i % 3;
    e.response_headers = {{"Content-Type", "application/json"}};
    // Some entries carry binary bodies (base64 in HAR) and text long enough to span pieces.
    e.response_body =
        i % 5 == 0 ? std::string("\xff\xfe\x00\x01", 4) : std::string(3000, static_cast<char>('a' + i % 26));
    e.latency_ms = 0.25 * i;
    return e;
}

std::string drain(const Journal::Writer& writer, size_t* pieces) {
    std::string out;
    std::string piece;
    *pieces = 0;
    while (writer(piece)) {
        out += piece;
        piece.clear();
        ++*pieces;
    }
    return out;
}

}  // namespace

TEST_CASE("journal: the streamed list and HAR are byte for byte the whole documents", "[journal]") {
    Journal journal(500);
    for (int i = 0; i < 300; ++i) journal.record(entry_with_bodies(i));
    auto refs = journal.entries({});
    REQUIRE(refs.size() == 300);
    std::vector<JournalEntry> copies;
    copies.reserve(refs.size());
    for (const auto& r : refs) copies.push_back(*r);

    for (bool bodies : {false, true}) {
        core::OrderedJson list = core::OrderedJson::array();
        for (const auto& e : copies) list.push_back(Journal::to_json(e, bodies));
        core::OrderedJson whole = core::OrderedJson::object();
        whole["total_recorded"] = journal.total_recorded();
        whole["capacity"] = journal.capacity();
        whole["requests"] = list;
        size_t pieces = 0;
        std::string streamed = drain(
            Journal::list_writer(journal.entries({}), journal.total_recorded(), journal.capacity(), bodies), &pieces);
        CHECK(streamed == core::dump(whole));
        if (bodies) CHECK(pieces > 1);  // ~1 MB of bodies is not written as one piece
    }

    size_t pieces = 0;
    std::string har = drain(Journal::har_writer(journal.entries({}), "http://127.0.0.1:8787", "1.2.3"), &pieces);
    CHECK(pieces > 1);
    auto parsed = core::OrderedJson::parse(har);
    CHECK(har == core::dump(parsed));  // written as dumping the whole document would
    CHECK(parsed["log"]["version"] == "1.2");
    CHECK(parsed["log"]["creator"]["version"] == "1.2.3");
    core::OrderedJson entries = core::OrderedJson::array();
    for (const auto& e : copies) entries.push_back(Journal::to_har_entry(e, "http://127.0.0.1:8787"));
    CHECK(parsed["log"]["entries"] == entries);
}

TEST_CASE("journal: an empty selection streams an empty list", "[journal]") {
    Journal journal(10);
    size_t pieces = 0;
    CHECK(drain(Journal::list_writer(journal.entries({}), 0, 10, true), &pieces) ==
          R"({"total_recorded":0,"capacity":10,"requests":[]})");
    CHECK(pieces == 1);
    auto har = core::OrderedJson::parse(drain(Journal::har_writer({}, "http://h", "v"), &pieces));
    CHECK(har["log"]["entries"] == core::OrderedJson::array());
    CHECK(har["log"]["creator"]["version"] == "v");
}

TEST_CASE("journal: entries being written survive the ring dropping them", "[journal]") {
    Journal journal(3);
    for (int i = 0; i < 3; ++i) journal.record(entry_with_bodies(i));
    auto writer = Journal::list_writer(journal.entries({}), journal.total_recorded(), journal.capacity(), true);
    for (int i = 3; i < 10; ++i) journal.record(entry_with_bodies(i));  // the three are gone from the ring
    CHECK(journal.entries({}).front()->seq == 8);
    size_t pieces = 0;
    auto parsed = core::OrderedJson::parse(drain(writer, &pieces));
    REQUIRE(parsed["requests"].size() == 3);
    CHECK(parsed["requests"][0]["id"] == "req0");
    CHECK(parsed["requests"][2]["id"] == "req2");
}
