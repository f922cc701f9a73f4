// Escaping text for HTML pages the emulator serves (Alipay's cashier, WeChat Pay's H5 page), one place
// for every provider's pages.
#pragma once

#include <string>
#include <string_view>

namespace mpemu::core {

// Text for HTML element content and quoted attribute values: & < > " ' escaped.
std::string html_escape(std::string_view text);

}  // namespace mpemu::core
