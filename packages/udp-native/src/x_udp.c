/*
 * Batched UDP receive and direct send for @x/udp (Linux).
 *
 * Why: under node:dgram every datagram costs a 64 KiB allocation, an ArrayBuffer, an
 * address object and one call into JavaScript, and every send goes through libuv's
 * request machinery. Here one readiness event reads up to BATCH datagrams with
 * recvmmsg(2), packs them into one ArrayBuffer and makes one call into JavaScript;
 * a send is one sendto(2).
 *
 * The endpoint polls a dup() of the bound dgram socket's descriptor (libuv allows one
 * watcher per descriptor number), after the transport stopped the dgram handle's own
 * reading. The dgram socket keeps owning the original descriptor and its options.
 *
 * API (index.d.cts): open(owner, fd, meta) -> endpoint; send(endpoint, bytes[, port,
 * host]) -> bytes + 1 or -errno; reading(endpoint, on); ref(endpoint, on);
 * hasRef(endpoint); close(endpoint).
 * owner.onbatch(arrayBuffer, count, hosts) gets the datagrams packed in order, their
 * lengths and ports in meta[2i], meta[2i+1]; owner.onerror(-errno) a receive error.
 */
#define _GNU_SOURCE
/* Async cleanup hooks (NAPI 8, Node 12.19+): an endpoint open when a worker ends. */
#define NAPI_VERSION 8
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* Datagrams read per recvmmsg(2) call, and calls per readiness event (libuv reads 32). */
#define BATCH 16
#define ROUNDS 4
/* Every slot holds the largest datagram (65,507 bytes over IPv4, 65,527 over IPv6). */
#define SLOT 65536
#define HOST_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE + 1)

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref owner;
  napi_ref meta_ref;
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;
  uint32_t *meta;
  int fd;
  int family;
  int reading;
  int closed;
  /* The memory has two owners: the poll handle (until its close callback) and the
   * JavaScript external (until it is collected). The last one to let go frees it, so a
   * call with a closed endpoint finds `closed` set, never freed memory. */
  int poll_closed;
  int collected;
} endpoint;

/* Receive slots, one set per thread (workers have loops of their own): made on the first
 * read, freed when the thread's last endpoint closed. */
static _Thread_local char *slots;
static _Thread_local unsigned open_endpoints;

static void on_readable(uv_poll_t *poll, int status, int events);
static void on_collected(napi_env env, void *data, void *hint);
static void cleanup_hook(napi_async_cleanup_hook_handle handle, void *arg);

static napi_value int_value(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static endpoint *get_endpoint(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

/* A throw from the JavaScript side goes where Node sends a throw from its own callbacks. */
static void rethrow_pending(napi_env env, napi_status status) {
  if (status != napi_pending_exception) return;
  napi_value err;
  if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
}

static napi_value ep_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 3 || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0)
    return throw_type(env, "open(owner, fd, meta): fd must be a descriptor");
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[2], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint32_array || length < 2 * BATCH)
    return throw_type(env, "open(owner, fd, meta): meta must be a Uint32Array of 32 or more");
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) return int_value(env, -errno);
  int dup_fd = dup(fd);
  if (dup_fd < 0) return int_value(env, -errno);
  endpoint *ep = calloc(1, sizeof *ep);
  if (ep == NULL) {
    close(dup_fd);
    return int_value(env, -ENOMEM);
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  int err = uv_poll_init_socket(loop, &ep->poll, dup_fd);
  if (err != 0) {
    close(dup_fd);
    free(ep);
    return int_value(env, err);
  }
  ep->env = env;
  ep->fd = dup_fd;
  ep->family = ss.ss_family;
  ep->meta = data;
  ep->poll.data = ep;
  napi_create_reference(env, argv[0], 1, &ep->owner);
  napi_create_reference(env, argv[2], 1, &ep->meta_ref);
  napi_value name;
  napi_create_string_latin1(env, "x_udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, argv[0], name, &ep->async_context);
  napi_add_async_cleanup_hook(env, cleanup_hook, ep, &ep->cleanup);
  ep->reading = 1;
  open_endpoints++;
  uv_poll_start(&ep->poll, UV_READABLE, on_readable);
  napi_value external;
  napi_create_external(env, ep, on_collected, NULL, &external);
  return external;
}

static void host_of(const struct sockaddr_storage *a, char *out) {
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
    inet_ntop(AF_INET6, &a6->sin6_addr, out, INET6_ADDRSTRLEN);
    char name[IF_NAMESIZE];
    /* Link-local peers carry their interface, as node:dgram reports them ("fe80::1%eth0"). */
    if (a6->sin6_scope_id != 0 && if_indextoname(a6->sin6_scope_id, name) != NULL) {
      size_t n = strlen(out);
      out[n] = '%';
      strcpy(out + n + 1, name);
    }
  } else {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, out, INET_ADDRSTRLEN);
  }
}

static unsigned port_of(const struct sockaddr_storage *a) {
  if (a->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
  return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static void deliver(endpoint *ep, struct mmsghdr *msgs, struct sockaddr_storage *addrs, int n) {
  napi_env env = ep->env;
  size_t total = 0;
  for (int i = 0; i < n; i++) total += msgs[i].msg_len;
  napi_value buffer, hosts, owner, callback, argv[3], result;
  void *packed;
  napi_create_arraybuffer(env, total, &packed, &buffer);
  napi_create_array_with_length(env, n, &hosts);
  /* One string per run of datagrams from the same peer (a server mostly hears few peers). */
  napi_value host = NULL;
  const struct sockaddr_storage *host_addr = NULL;
  socklen_t host_len = 0;
  char *p = packed;
  for (int i = 0; i < n; i++) {
    uint32_t len = msgs[i].msg_len;
    if (len > 0) memcpy(p, slots + (size_t)i * SLOT, len);
    p += len;
    const struct sockaddr_storage *a = &addrs[i];
    socklen_t alen = msgs[i].msg_hdr.msg_namelen;
    ep->meta[2 * i] = len;
    ep->meta[2 * i + 1] = port_of(a);
    if (host == NULL || alen != host_len || memcmp(a, host_addr, alen) != 0) {
      char text[HOST_MAX];
      host_of(a, text);
      napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &host);
      host_addr = a;
      host_len = alen;
    }
    napi_set_element(env, hosts, i, host);
  }
  napi_get_reference_value(env, ep->owner, &owner);
  napi_get_named_property(env, owner, "onbatch", &callback);
  argv[0] = buffer;
  argv[1] = int_value(env, n);
  argv[2] = hosts;
  napi_status status =
      napi_make_callback(env, ep->async_context, owner, callback, 3, argv, &result);
  rethrow_pending(env, status);
}

static void deliver_error(endpoint *ep, int err) {
  napi_env env = ep->env;
  napi_value owner, callback, arg, result;
  napi_get_reference_value(env, ep->owner, &owner);
  napi_get_named_property(env, owner, "onerror", &callback);
  arg = int_value(env, -err);
  napi_status status =
      napi_make_callback(env, ep->async_context, owner, callback, 1, &arg, &result);
  rethrow_pending(env, status);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  endpoint *ep = poll->data;
  (void)events;
  napi_handle_scope scope;
  napi_open_handle_scope(ep->env, &scope);
  if (slots == NULL && (slots = malloc((size_t)BATCH * SLOT)) == NULL) {
    /* Nothing to read into: report it once and stop, rather than wake up forever. */
    ep->reading = 0;
    uv_poll_stop(&ep->poll);
    deliver_error(ep, ENOMEM);
    napi_close_handle_scope(ep->env, scope);
    return;
  }
  if (status < 0) {
    /* libuv reports EPOLLERR as UV_EBADF and stops the poll. On a UDP socket that is a
     * pending socket error (ICMP port unreachable: ECONNREFUSED): take it, report it,
     * and poll again. */
    int pending = 0;
    socklen_t len = sizeof pending;
    if (getsockopt(ep->fd, SOL_SOCKET, SO_ERROR, &pending, &len) != 0) pending = errno;
    deliver_error(ep, pending != 0 ? pending : -status);
    if (pending != 0 && ep->reading && !ep->closed)
      uv_poll_start(&ep->poll, UV_READABLE, on_readable);
  }
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage addrs[BATCH];
  for (int round = 0; round < ROUNDS && ep->reading && !ep->closed; round++) {
    for (int i = 0; i < BATCH; i++) {
      iov[i].iov_base = slots + (size_t)i * SLOT;
      iov[i].iov_len = SLOT;
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(ep->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      /* ECONNREFUSED and the like (ICMP errors): reported, then reading goes on. */
      deliver_error(ep, errno);
      continue;
    }
    if (n == 0) break;
    deliver(ep, msgs, addrs, n);
    if (n < BATCH) break;
  }
  napi_close_handle_scope(ep->env, scope);
}

static napi_value ep_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  endpoint *ep = argc >= 2 ? get_endpoint(env, argv[0]) : NULL;
  if (ep == NULL) return throw_type(env, "send(endpoint, bytes[, port, host])");
  if (ep->closed) return int_value(env, -EBADF);
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array)
    return throw_type(env, "send(): bytes must be a Uint8Array");
  ssize_t sent;
  if (argc < 4) {
    sent = send(ep->fd, data, length, MSG_DONTWAIT);
  } else {
    uint32_t port;
    char host[HOST_MAX];
    size_t host_len;
    if (napi_get_value_uint32(env, argv[2], &port) != napi_ok || port > 65535 ||
        napi_get_value_string_latin1(env, argv[3], host, sizeof host, &host_len) != napi_ok)
      return throw_type(env, "send(): port must be a number and host a string");
    struct sockaddr_storage to;
    socklen_t to_len;
    memset(&to, 0, sizeof to);
    if (ep->family == AF_INET6) {
      struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&to;
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons(port);
      char *scope = strchr(host, '%');
      if (scope != NULL) {
        *scope = '\0';
        a6->sin6_scope_id = if_nametoindex(scope + 1);
        if (a6->sin6_scope_id == 0) a6->sin6_scope_id = (uint32_t)atoi(scope + 1);
      }
      if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) return int_value(env, -EINVAL);
      to_len = sizeof *a6;
    } else {
      struct sockaddr_in *a4 = (struct sockaddr_in *)&to;
      a4->sin_family = AF_INET;
      a4->sin_port = htons(port);
      if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return int_value(env, -EINVAL);
      to_len = sizeof *a4;
    }
    sent = sendto(ep->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&to, to_len);
  }
  return int_value(env, sent < 0 ? -errno : (int32_t)sent + 1);
}

/* The (endpoint) argument of hasRef() and close(); NULL after throwing `usage`. */
static endpoint *endpoint_arg(napi_env env, napi_callback_info info, const char *usage) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  endpoint *ep = argc >= 1 ? get_endpoint(env, argv[0]) : NULL;
  if (ep == NULL) throw_type(env, usage);
  return ep;
}

/* The (endpoint, on) arguments of reading() and ref(); NULL after throwing `usage`. */
static endpoint *endpoint_and_flag(napi_env env, napi_callback_info info, bool *on,
                                   const char *usage) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  endpoint *ep = argc >= 2 ? get_endpoint(env, argv[0]) : NULL;
  if (ep == NULL || napi_get_value_bool(env, argv[1], on) != napi_ok) {
    throw_type(env, usage);
    return NULL;
  }
  return ep;
}

static napi_value ep_reading(napi_env env, napi_callback_info info) {
  bool on;
  endpoint *ep = endpoint_and_flag(env, info, &on, "reading(endpoint, on)");
  if (ep == NULL || ep->closed || ep->reading == on) return NULL;
  ep->reading = on;
  if (on) uv_poll_start(&ep->poll, UV_READABLE, on_readable);
  else uv_poll_stop(&ep->poll);
  return NULL;
}

/* ref(endpoint, on): whether the endpoint keeps the loop alive (the socket's ref/unref). */
static napi_value ep_ref(napi_env env, napi_callback_info info) {
  bool on;
  endpoint *ep = endpoint_and_flag(env, info, &on, "ref(endpoint, on)");
  if (ep == NULL || ep->closed) return NULL;
  if (on) uv_ref((uv_handle_t *)&ep->poll);
  else uv_unref((uv_handle_t *)&ep->poll);
  return NULL;
}

static napi_value ep_has_ref(napi_env env, napi_callback_info info) {
  endpoint *ep = endpoint_arg(env, info, "hasRef(endpoint)");
  if (ep == NULL) return NULL;
  napi_value out;
  napi_get_boolean(env, !ep->closed && uv_has_ref((uv_handle_t *)&ep->poll), &out);
  return out;
}

static void on_poll_closed(uv_handle_t *handle) {
  endpoint *ep = handle->data;
  /* Only now may the environment (and this code, with the addon) go away. */
  napi_remove_async_cleanup_hook(ep->cleanup);
  ep->poll_closed = 1;
  if (ep->collected) free(ep);
  if (--open_endpoints == 0) {
    free(slots);
    slots = NULL;
  }
}

/* The JavaScript side let go of the endpoint. An open endpoint cannot be collected (its
 * owner reference keeps the JavaScript side alive), except when its environment ends,
 * and then the cleanup hook closes it. */
static void on_collected(napi_env env, void *data, void *hint) {
  endpoint *ep = data;
  (void)env;
  (void)hint;
  ep->collected = 1;
  if (ep->poll_closed) free(ep);
}

/* Stops polling and closes the duplicate. uv_close() takes the descriptor out of the
 * poll set at once, so it may be closed now, and must be: the port is free again when
 * connectionLost runs, as with dgram alone. */
static void stop_endpoint(endpoint *ep) {
  ep->closed = 1;
  ep->reading = 0;
  uv_close((uv_handle_t *)&ep->poll, on_poll_closed);
  close(ep->fd);
}

static void close_endpoint(endpoint *ep) {
  if (ep->closed) return;
  napi_delete_reference(ep->env, ep->owner);
  napi_delete_reference(ep->env, ep->meta_ref);
  napi_async_destroy(ep->env, ep->async_context);
  stop_endpoint(ep);
}

/* A worker (or the process) is going away with the endpoint open: its references go
 * with the environment, only the poll handle and the descriptor are ours to end. The
 * environment waits until on_poll_closed removes this hook (a closed endpoint's close
 * is already under way and removes it the same way). */
static void cleanup_hook(napi_async_cleanup_hook_handle handle, void *arg) {
  endpoint *ep = arg;
  (void)handle;
  if (!ep->closed) stop_endpoint(ep);
}

static napi_value ep_close(napi_env env, napi_callback_info info) {
  endpoint *ep = endpoint_arg(env, info, "close(endpoint)");
  if (ep != NULL) close_endpoint(ep);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"open", NULL, ep_open, NULL, NULL, NULL, napi_default_method, NULL},
      {"send", NULL, ep_send, NULL, NULL, NULL, napi_default_method, NULL},
      {"reading", NULL, ep_reading, NULL, NULL, NULL, napi_default_method, NULL},
      {"close", NULL, ep_close, NULL, NULL, NULL, napi_default_method, NULL},
      {"ref", NULL, ep_ref, NULL, NULL, NULL, napi_default_method, NULL},
      {"hasRef", NULL, ep_has_ref, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
