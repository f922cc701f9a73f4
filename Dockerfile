# mpemu as a container image: `docker build -t mpemu .` then `docker run -p 8787:8787 mpemu`.
# The build stage mirrors the tested steps (scripts/setup.sh's packages, the CMake configure, build and
# install of tests/integration/install_test.cpp); the runtime stage holds the binary, its shared libraries
# and share/mpemu (schemas, example fixtures and scenarios).
FROM debian:12-slim AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libssl-dev \
      zlib1g-dev libbrotli-dev libcli11-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPEMU_BUILD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target mpemu \
 && cmake --install /build --prefix /opt/mpemu --strip

FROM debian:12-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libcpp-httplib0.11 libssl3 libsqlite3-0 zlib1g libbrotli1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/mpemu mpemu
COPY --from=build /opt/mpemu /usr/local
USER mpemu
WORKDIR /home/mpemu
EXPOSE 8787
ENTRYPOINT ["mpemu"]
# 0.0.0.0 so the published port reaches it. The admin API answers loopback clients only unless a token is
# set: `docker run -p 8787:8787 mpemu serve --host 0.0.0.0 --admin-token s3cret`.
CMD ["serve", "--host", "0.0.0.0", "--port", "8787"]
