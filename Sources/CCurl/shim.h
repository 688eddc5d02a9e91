#include <curl/curl.h>

/* curl_easy_setopt is variadic, which Swift cannot call: one typed wrapper per argument kind. */
static inline CURLcode trail_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode trail_curl_set_pointer(CURL *curl, CURLoption option, const void *value) {
    return curl_easy_setopt(curl, option, value);
}
typedef size_t (*trail_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode trail_curl_set_reader(CURL *curl, trail_curl_read_callback callback, void *context) {
    CURLcode rc = curl_easy_setopt(curl, CURLOPT_READFUNCTION, callback);
    return rc != CURLE_OK ? rc : curl_easy_setopt(curl, CURLOPT_READDATA, context);
}
/* curl_easy_getinfo is variadic too. */
static inline CURLcode trail_curl_get_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION with their context (curl_easy_setopt is variadic). */
typedef size_t (*trail_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode trail_curl_set_writer(CURL *curl, CURLoption function, CURLoption data,
                                             trail_curl_write_callback callback, void *context) {
    CURLcode rc = curl_easy_setopt(curl, function, callback);
    return rc != CURLE_OK ? rc : curl_easy_setopt(curl, data, context);
}
static inline CURLcode trail_curl_get_off_t(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}
