// HTML escaping shared by the providers' pages.
#include "core/html.hpp"

#include <catch2/catch.hpp>

using mpemu::core::html_escape;

TEST_CASE("html_escape covers markup and both quotes, and leaves other text alone", "[core][html]") {
    CHECK(html_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
    CHECK(html_escape(R"(<a href="x">'T&C'</a>)") == "&lt;a href=&quot;x&quot;&gt;&#39;T&amp;C&#39;&lt;/a&gt;");
    CHECK(html_escape("测试 plain") == "测试 plain");
    CHECK(html_escape("").empty());
}
