// Every admin operation. Add a row here when a service gains an admin call.
#include "emulator/admin/catalog.hpp"

namespace mpemu::admin {

const std::vector<AdminOperation>& catalog() {
    static const std::vector<AdminOperation> kOps = {
        {"health", "GET", "/__admin/health", "liveness, version, loaded fixture set, uptime"},
        {"operations.list", "GET", "/__admin/operations", "every emulated operation (method, path, id)"},
        {"fixtures.get", "GET", "/__admin/fixtures", "public summary of the loaded fixture set"},
        {"reset", "POST", "/__admin/reset", "back to the seeded state; {\"fixtures\":DIR} loads another set"},
        {"snapshots.list", "GET", "/__admin/snapshots", "named snapshots"},
        {"snapshots.save", "POST", "/__admin/snapshots", "save the current state as {\"name\"}"},
        {"snapshots.restore", "POST", "/__admin/snapshots/{name}/restore", "restore a named snapshot"},
        {"snapshots.delete", "DELETE", "/__admin/snapshots/{name}", "delete a named snapshot"},
        {"snapshots.export", "GET", "/__admin/snapshots/{name}/export",
         "download a snapshot (name \"current\" = the live state) as a SQLite file for serve --import"},
        {"requests.list", "GET", "/__admin/requests",
         "the request journal (filters: operation, group or service, method, path, status, since, limit, bodies; "
         "admin calls only with group=admin or admin=true)"},
        {"requests.clear", "DELETE", "/__admin/requests", "empty the request journal"},
        {"requests.har", "GET", "/__admin/requests.har", "the request journal as HAR 1.2"},
        {"clock.get", "GET", "/__admin/clock", "emulator time"},
        {"clock.set", "POST", "/__admin/clock",
         "{\"advance\":\"2h\"} / {\"freeze\":true} / {\"now\":RFC3339} / {\"reset\":true}"},
        {"notifications.list", "GET", "/__admin/notifications", "outbox messages with their delivery attempts"},
        {"notifications.get", "GET", "/__admin/notifications/{id}", "one outbox message with its attempts"},
        {"notifications.redeliver", "POST", "/__admin/notifications/{id}/redeliver", "send a notification again now"},
        {"faults.list", "GET", "/__admin/faults", "active fault rules"},
        {"faults.add", "POST", "/__admin/faults", "add a fault rule (latency, provider error, dropped connection)"},
        {"faults.clear", "DELETE", "/__admin/faults", "remove every fault rule"},
        {"wechat.login_codes.create", "POST", "/__admin/wechat/login-codes",
         "{appid, openid} -> {code}: what wx.login() hands the mini program"},
        {"wechat.phone_codes.create", "POST", "/__admin/wechat/phone-codes",
         "{appid, openid} -> {code}: what the getPhoneNumber button hands it"},
        {"wechat.encrypted_data.create", "POST", "/__admin/wechat/encrypted-data",
         "{appid, openid, kind: userinfo|phone} -> {encryptedData, iv, rawData, signature}"},
        {"wechat.messages.list", "GET", "/__admin/wechat/messages", "subscribe messages sent through the API"},
        {"wechat.subscriptions.create", "POST", "/__admin/wechat/subscriptions",
         "{appid, openid, template_id, count?} -> {remaining}: the user accepts wx.requestSubscribeMessage"},
        {"wechat.jsapi_config.verify", "POST", "/__admin/wechat/jsapi-config/verify",
         "{appid, url, nonceStr, timestamp, signature}: what wx.config checks (400 when it would fail)"},
        {"wechat.service_events.create", "POST", "/__admin/wechat/customer-service/events",
         "{appid, openid, action: user_message|user_enter}: the user messages or enters customer service"},
        {"wechat.custom_messages.list", "GET", "/__admin/wechat/custom-messages",
         "customer service messages sent through the API"},
        {"wechat.shipping.confirm", "POST", "/__admin/wechat/shipping/confirm",
         "{appid, transaction_id | mchid + out_trade_no}: the user confirms receipt of a shipped order"},
        {"wechat.shipping.orders", "GET", "/__admin/wechat/shipping/orders",
         "orders known to order shipping management (?appid=)"},
        {"wechat.shipping.events", "GET", "/__admin/wechat/shipping/events",
         "shipping, reminder and confirm-receipt events (?appid=)"},
        {"wechatpay.transactions.list", "GET", "/__admin/wechatpay/transactions", "WeChat Pay orders"},
        {"wechatpay.transactions.pay", "POST", "/__admin/wechatpay/transactions/{out_trade_no}/pay",
         "the user pays: {\"result\":\"SUCCESS\"|\"PAYERROR\"|\"USERPAYING\", mchid?, request_payment? (JSAPI), "
         "app_payment? (APP)}"},
        {"wechatpay.payment_codes.create", "POST", "/__admin/wechatpay/payment-codes",
         "{openid, mchid?, result?: SUCCESS|USERPAYING|NOTENOUGH} -> {auth_code}: a user's payment code (付款码)"},
        {"wechatpay.transfer_bills.list", "GET", "/__admin/wechatpay/transfer-bills", "WeChat Pay transfer bills"},
        {"wechatpay.transfer_bills.result", "POST", "/__admin/wechatpay/transfer-bills/{out_bill_no}/result",
         "the user acts on a transfer: {\"result\":\"SUCCESS\"|\"TRANSFERING\"|\"FAIL\"|\"REJECT\", mchid?, "
         "fail_reason?, package_info?}"},
        {"wechatpay.transfer_batches.list", "GET", "/__admin/wechatpay/transfer-batches",
         "WeChat Pay transfer batches (商家转账到零钱)"},
        {"wechatpay.transfer_batches.result", "POST", "/__admin/wechatpay/transfer-batches/{out_batch_no}/result",
         "settle a PROCESSING batch: {\"result\":\"FINISHED\"|\"CLOSED\", fail?: [out_detail_no], fail_reason?, "
         "close_reason?, mchid?}"},
        {"wechatpay.refunds.list", "GET", "/__admin/wechatpay/refunds", "WeChat Pay refunds"},
        {"wechatpay.refunds.outcome", "POST", "/__admin/wechatpay/refunds/{out_refund_no}/outcome",
         "force a refund's result: {\"status\":\"SUCCESS\"|\"ABNORMAL\"|\"CLOSED\", mchid?}"},
        {"alipay.auth_codes.create", "POST", "/__admin/alipay/auth-codes",
         "{app_id, user_id} -> {auth_code}: what my.getAuthCode() hands the mini program"},
        {"alipay.trades.list", "GET", "/__admin/alipay/trades", "Alipay trades"},
        {"alipay.trades.pay", "POST", "/__admin/alipay/trades/{out_trade_no}/pay",
         "the buyer pays: {\"result\":\"TRADE_SUCCESS\", app_id?, buyer_id?}"},
        {"alipay.payment_codes.create", "POST", "/__admin/alipay/payment-codes",
         "{user_id, result?: SUCCESS|WAIT_BUYER_PAY|ACQ.*} -> {payment_code}: the buyer's barcode for trade.pay"},
        {"alipay.app_pay", "POST", "/__admin/alipay/app-pay",
         "the Alipay app runs an app.pay order string: {order_string, buyer_id?, action: pay|cancel|open} -> "
         "{resultStatus, result, memo}"},
        {"alipay.trades.cashier", "GET", "/__admin/alipay/trades/{out_trade_no}/cashier",
         "where the buyer pays a trade in a browser (my.tradePay, page/wap pay): {cashier_path, cashier_url}"},
        {"alipay.refunds.list", "GET", "/__admin/alipay/refunds", "Alipay refunds"},
        {"alipay.transfers.list", "GET", "/__admin/alipay/transfers",
         "Alipay fund transfers (alipay.fund.trans.uni.transfer)"},
        {"alipay.keys.get", "GET", "/__admin/alipay/keys",
         "each app's Alipay public key (PEM and bare base64, for alipayPublicKey)"},
    };
    return kOps;
}

const AdminOperation* find_operation(std::string_view id) {
    for (const auto& op : catalog()) {
        if (op.id == id) return &op;
    }
    return nullptr;
}

}  // namespace mpemu::admin
