/*
 * The composite test type, hand-written the way rpcgen would emit it, so golden.c and
 * benchmarks/c/xdr/composite_bench.c encode exactly what the C# tests and benchmarks encode.
 *
 *   enum color { RED = 0, GREEN = 1, BLUE = 2 };
 *   union shape switch (color kind) {
 *     case RED:   int radius;
 *     case GREEN: string label<64>;
 *     default:    void;
 *   };
 *   struct node { unsigned hyper id; string name<32>; node *next; };
 *   struct composite {
 *     int i32; unsigned int u32; hyper i64; unsigned hyper u64;
 *     float f32; double f64; bool flag; color kind;
 *     opaque tag[6]; opaque blob<64>; string title<128>;
 *     int fixed_ints[4]; int ints<16>;
 *     shape shape; node *list;
 *   };
 */
#ifndef ONCRPC_COMPOSITE_H
#define ONCRPC_COMPOSITE_H

#include <rpc/rpc.h>

enum color { RED = 0, GREEN = 1, BLUE = 2 };

struct shape {
    enum color kind;
    union {
        int radius;
        char *label;
    } u;
};

struct node {
    u_quad_t id;
    char *name;
    struct node *next;
};

struct composite {
    int i32;
    u_int u32;
    quad_t i64;
    u_quad_t u64;
    float f32;
    double f64;
    bool_t flag;
    enum color kind;
    char tag[6];
    struct { u_int blob_len; char *blob_val; } blob;
    char *title;
    int fixed_ints[4];
    struct { u_int ints_len; int *ints_val; } ints;
    struct shape shape;
    struct node *list;
};

static bool_t xdr_label(XDR *xdrs, char **label) { return xdr_string(xdrs, label, 64); }

/* RFC 4506 §4.15: discriminant, then the arm; xdr_union dispatches through the arm table and
   takes a void routine for the default arm. */
static const struct xdr_discrim shape_arms[] = {
    { RED, (xdrproc_t)xdr_int },
    { GREEN, (xdrproc_t)xdr_label },
    { __dontcare__, NULL },
};

/* xdr_void with the xdrproc_t signature (the header declares it without parameters). */
static bool_t xdr_default_void(XDR *xdrs, void *unused) { (void)xdrs; (void)unused; return TRUE; }

static bool_t xdr_shape(XDR *xdrs, struct shape *s)
{
    return xdr_union(xdrs, (enum_t *)&s->kind, (char *)&s->u, shape_arms, (xdrproc_t)xdr_default_void);
}

static bool_t xdr_node(XDR *xdrs, struct node *n);

static bool_t xdr_node_ptr(XDR *xdrs, struct node **p)
{
    return xdr_pointer(xdrs, (char **)p, sizeof(struct node), (xdrproc_t)xdr_node);
}

static bool_t xdr_node(XDR *xdrs, struct node *n)
{
    return xdr_u_hyper(xdrs, &n->id) && xdr_string(xdrs, &n->name, 32) && xdr_node_ptr(xdrs, &n->next);
}

static bool_t xdr_composite(XDR *xdrs, struct composite *c)
{
    char *blob = c->blob.blob_val;
    char *ints = (char *)c->ints.ints_val;
    int ok = xdr_int(xdrs, &c->i32) && xdr_u_int(xdrs, &c->u32)
        && xdr_hyper(xdrs, &c->i64) && xdr_u_hyper(xdrs, &c->u64)
        && xdr_float(xdrs, &c->f32) && xdr_double(xdrs, &c->f64)
        && xdr_bool(xdrs, &c->flag) && xdr_enum(xdrs, (enum_t *)&c->kind)
        && xdr_opaque(xdrs, c->tag, sizeof c->tag)
        && xdr_bytes(xdrs, &blob, &c->blob.blob_len, 64)
        && xdr_string(xdrs, &c->title, 128)
        && xdr_vector(xdrs, (char *)c->fixed_ints, 4, sizeof(int), (xdrproc_t)xdr_int)
        && xdr_array(xdrs, &ints, &c->ints.ints_len, 16, sizeof(int), (xdrproc_t)xdr_int)
        && xdr_shape(xdrs, &c->shape)
        && xdr_node_ptr(xdrs, &c->list);
    c->blob.blob_val = blob;
    c->ints.ints_val = (int *)ints;
    return ok;
}

/* Fills the sample value: list of `items` nodes named "node-<i>" with id i * 0x0101010101. */
static void composite_sample(struct composite *c, struct node *nodes, char (*names)[16], int items,
                             enum color kind)
{
    static char blob[] = "0123456789abcdefghij";      /* 21 bytes with the NUL: 3 padding */
    static int ints[] = { 1, -1, 2, -2, 3, -3, 4 };
    static const char tag[6] = { 't', 'a', 'g', 0, (char)0xff, 1 };
    memset(c, 0, sizeof *c);
    c->i32 = -123456789;
    c->u32 = 4000000000u;
    c->i64 = -1234567890123456789LL;
    c->u64 = 18000000000000000000ULL;
    c->f32 = 3.25f;
    c->f64 = -2.5e-300;
    c->flag = TRUE;
    c->kind = BLUE;
    memcpy(c->tag, tag, sizeof tag);
    c->blob.blob_len = 21;
    c->blob.blob_val = blob;
    c->title = "composite title: \xc3\xa9t\xc3\xa9";    /* UTF-8, 22 bytes: 2 padding */
    for (int i = 0; i < 4; i++)
        c->fixed_ints[i] = (i + 1) * 1000;
    c->ints.ints_len = 7;
    c->ints.ints_val = ints;
    c->shape.kind = kind;
    if (kind == RED)
        c->shape.u.radius = 42;
    else if (kind == GREEN)
        c->shape.u.label = "green label";
    c->list = items > 0 ? &nodes[0] : NULL;
    for (int i = 0; i < items; i++) {
        snprintf(names[i], 16, "node-%d", i);
        nodes[i].id = (u_quad_t)i * 0x0101010101ULL;
        nodes[i].name = names[i];
        nodes[i].next = i + 1 < items ? &nodes[i + 1] : NULL;
    }
}

#endif
