// unique_ptr owners of OpenSSL objects, shared by the files that call OpenSSL directly.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace mpemu::core::detail {

template <auto Fn>
struct Free {
    template <class T>
    void operator()(T* p) const {
        Fn(p);
    }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Free<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;

}  // namespace mpemu::core::detail
