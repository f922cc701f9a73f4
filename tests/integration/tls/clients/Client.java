// A backend's HTTPS call with java.net.http.HttpClient, as written against production; the proxy comes
// from -Dhttps.proxyHost/-Dhttps.proxyPort (via ProxySelector.getDefault()) and trust from
// -Djavax.net.ssl.trustStore. Usage: java Client.java METHOD URL [BODY] [Name: value]...
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Client {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.getDefault())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        String body = args.length > 2 ? args[2] : "";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(args[1])).timeout(Duration.ofSeconds(20))
                .method(args[0], body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                                                : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 3; i < args.length; i++) {
            int colon = args[i].indexOf(':');
            b.header(args[i].substring(0, colon).trim(), args[i].substring(colon + 1).trim());
        }
        HttpResponse<String> res = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        StringBuilder out = new StringBuilder();
        out.append(res.statusCode()).append('\n');
        res.headers().map().forEach((k, vs) -> vs.forEach(v -> out.append(k.toLowerCase()).append(": ").append(v).append('\n')));
        out.append('\n').append(res.body());
        System.out.print(out);
    }
}
