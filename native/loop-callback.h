// A JS function the addon calls from a libuv callback on the loop (the signal watch's wake, the
// orphan watch's pass), with the async context Node wants for such calls. Loop-only.
#ifndef TSINIT_LOOP_CALLBACK_H
#define TSINIT_LOOP_CALLBACK_H

#include <node_api.h>
#include <stdbool.h>

struct loop_callback {
  napi_env env; // NULL: none kept
  napi_ref function;
  napi_async_context context;
};

// Whether `value` is a function; false: a TypeError saying `what` must be one is pending.
bool is_function(napi_env env, napi_value value, const char *what);

// Keeps `function` for calls from the loop, named `resource` for async hooks. false: an exception
// is pending, nothing kept.
bool keep_loop_callback(napi_env env, napi_value function, const char *resource, struct loop_callback *kept);

// Calls it in a handle scope of its own, with the one argument `make_argument` makes there (none
// when NULL; no call when it returns NULL). What it throws is the process's uncaught exception.
void call_loop_callback(const struct loop_callback *callback, napi_value (*make_argument)(napi_env env));

// Lets it go: the reference and the async context released.
void drop_loop_callback(struct loop_callback *callback);

#endif
