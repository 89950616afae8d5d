// CCurl: libcurl for Swift. Swift cannot call C variadic functions, so curl_easy_setopt,
// curl_easy_getinfo and curl_multi_setopt get one typed wrapper per argument type here.
// Nothing in this target knows about Swift concurrency; CurlTransport owns every handle.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>

/// curl_global_init(CURL_GLOBAL_ALL); call once before any other curl function.
CURLcode ccurl_global_init(void);

/// curl_easy_setopt for options of type long (CURLOPTTYPE_LONG, CURLOPTTYPE_VALUES).
CURLcode ccurl_easy_setopt_long(CURL *easy, CURLoption option, long value);
/// curl_easy_setopt for options of type curl_off_t (CURLOPTTYPE_OFF_T).
CURLcode ccurl_easy_setopt_off_t(CURL *easy, CURLoption option, curl_off_t value);
/// curl_easy_setopt for string options (CURLOPTTYPE_STRINGPOINT); curl copies the string.
CURLcode ccurl_easy_setopt_string(CURL *easy, CURLoption option, const char *value);
/// curl_easy_setopt for data pointers (CURLOPTTYPE_CBPOINT, CURLOPTTYPE_OBJECTPOINT).
CURLcode ccurl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value);
/// curl_easy_setopt for header lists (CURLOPTTYPE_SLISTPOINT).
CURLcode ccurl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value);
/// curl_easy_setopt for CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
CURLcode ccurl_easy_setopt_write_function(CURL *easy, CURLoption option, curl_write_callback callback);
/// curl_easy_setopt for CURLOPT_PREREQFUNCTION (libcurl 7.80.0 and later).
CURLcode ccurl_easy_setopt_prereq_function(CURL *easy, curl_prereq_callback callback);

/// curl_easy_getinfo for CURLINFO_LONG values.
CURLcode ccurl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
/// curl_easy_getinfo for CURLINFO_OFF_T values.
CURLcode ccurl_easy_getinfo_off_t(CURL *easy, CURLINFO info, curl_off_t *value);
/// curl_easy_getinfo for pointer values such as CURLINFO_PRIVATE.
CURLcode ccurl_easy_getinfo_pointer(CURL *easy, CURLINFO info, void **value);

/// curl_multi_setopt for options of type long.
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// The result code of a CURLMSG_DONE message (a union member in C).
CURLcode ccurl_message_result(const CURLMsg *message);

#endif
