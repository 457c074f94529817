/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - internal: forwarders to a shared library loaded on first use
 * (the lazy-loading stubs that e.g. Implib.so generates, written out).
 *
 * A program or library that links a shared library loads it, and all it
 * needs, at every start; one that calls it only sometimes can instead
 * dlopen(3) it on first use and define each function it calls as a
 * forwarder. VGPU_LAZY_FORWARD() defines one with the signature the
 * library's own header declares, so the compiler checks that the two
 * agree; the library's function is resolved by @resolve on the first
 * call and kept (atomically: any thread may make the first call).
 *
 * @resolve is a function `void *resolve(const char *name)` returning the
 * address of the library's @name; it must not return NULL (it reports
 * the failure itself: the forwarder has no way to).
 */
#pragma once

/* The library's @name (a pointer of the type of the function @name the
 * library's header declares), resolved on the first use and kept. */
#define VGPU_LAZY_FUNCTION(resolve, name)                                      \
    ({                                                                         \
        static __typeof__(name) *real;                                         \
        __typeof__(name) *function = __atomic_load_n(&real, __ATOMIC_ACQUIRE); \
                                                                               \
        if (!function) {                                                       \
            function = (__typeof__(name) *)resolve(#name);                     \
            __atomic_store_n(&real, function, __ATOMIC_RELEASE);               \
        }                                                                      \
        function;                                                              \
    })

/* Defines `type name parameters` to call the library's @name with
 * @arguments; parameters and arguments in parentheses. */
#define VGPU_LAZY_FORWARD(resolve, type, name, parameters, arguments)          \
    type name parameters                                                       \
    {                                                                          \
        return VGPU_LAZY_FUNCTION(resolve, name) arguments;                    \
    }

/* VGPU_LAZY_FORWARD() for a function that returns nothing. */
#define VGPU_LAZY_VOID_FORWARD(resolve, name, parameters, arguments)           \
    void name parameters                                                       \
    {                                                                          \
        VGPU_LAZY_FUNCTION(resolve, name) arguments;                           \
    }
