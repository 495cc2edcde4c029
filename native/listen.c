// Listening sockets the init opens once and hands to every run (fds 3, 4, ... through spawn's
// passFds): TCP on an IP literal, or a unix stream socket on a path. Close-on-exec in the init.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "args.h"
#include "exports.h"

// A string argument without NUL as a malloc'ed C string, or NULL with a TypeError naming `what`.
static char *get_string_arg(napi_env env, napi_value value, const char *what, const char *must) {
  napi_valuetype type;
  char *string = napi_typeof(env, value, &type) == napi_ok && type == napi_string ? get_c_string(env, value) : NULL;
  if (string == NULL) throw_type_error(env, what, must);
  return string;
}

// socket, bind, listen: the fd, or -1 with an Error whose code is the errno's name (the fd closed).
// `where` names the address in the message ("tcp 127.0.0.1:8080").
static int bind_and_listen(napi_env env, int family, const struct sockaddr *address, socklen_t length, int backlog, const char *where) {
  const int on = 1;
  const char *step = "socket";
  char message[200];
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    step = "setsockopt";
    if (family == AF_UNIX || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0) {
      step = "bind";
      if (bind(fd, address, length) == 0) {
        step = "listen";
        if (listen(fd, backlog) == 0) return fd;
      }
    }
  }
  int err = errno;
  if (fd >= 0) close(fd);
  snprintf(message, sizeof message, "listen %s: %s", where, step);
  throw_errno(env, message, err);
  return -1;
}

// listenTcp(host, port, backlog): host an IPv4 literal, else an IPv6 one (no brackets); port
// 0-65535 (0: the kernel picks). SO_REUSEADDR: a restarted init binds at once over TIME_WAITs.
napi_value ListenTcp(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t port, backlog;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
  char where[INET6_ADDRSTRLEN + 16];
  char *host;
  int fd;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[1], "listenTcp's port", 0, 65535, &port) ||
      !get_int(env, argv[2], "listenTcp's backlog", 0, INT_MAX_D, &backlog) ||
      (host = get_string_arg(env, argv[0], "listenTcp's host", "be an IPv4 or IPv6 address (a string)")) == NULL)
    return NULL;
  memset(&v4, 0, sizeof v4);
  memset(&v6, 0, sizeof v6);
  v4.sin_family = AF_INET;
  v4.sin_port = htons((uint16_t)port);
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
    snprintf(where, sizeof where, "tcp %s:%d", host, (int)port);
    fd = bind_and_listen(env, AF_INET, (struct sockaddr *)&v4, sizeof v4, backlog, where);
  } else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
    snprintf(where, sizeof where, "tcp [%s]:%d", host, (int)port);
    fd = bind_and_listen(env, AF_INET6, (struct sockaddr *)&v6, sizeof v6, backlog, where);
  } else {
    free(host);
    return throw_type_error(env, "listenTcp's host", "be an IPv4 or IPv6 address literal (no name, no brackets)");
  }
  free(host);
  return fd < 0 ? NULL : make_int(env, fd);
}

// listenUnix(path, backlog): a path too long for sun_path is ENAMETOOLONG, an existing one
// EADDRINUSE (removing a stale socket file is the caller's decision).
napi_value ListenUnix(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t backlog;
  struct sockaddr_un address;
  char *path;
  int fd;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[1], "listenUnix's backlog", 0, INT_MAX_D, &backlog) ||
      (path = get_string_arg(env, argv[0], "listenUnix's path", "be a non-empty path (a string without NUL)")) == NULL)
    return NULL;
  if (*path == '\0') {
    free(path);
    return throw_type_error(env, "listenUnix's path", "be a non-empty path (a string without NUL)");
  }
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof address.sun_path) {
    free(path);
    return throw_errno(env, "listen unix: the path is longer than sun_path", ENAMETOOLONG);
  }
  memcpy(address.sun_path, path, strlen(path) + 1);
  char where[sizeof address.sun_path + 8];
  snprintf(where, sizeof where, "unix %s", path);
  free(path);
  fd = bind_and_listen(env, AF_UNIX, (struct sockaddr *)&address, sizeof address, backlog, where);
  return fd < 0 ? NULL : make_int(env, fd);
}
