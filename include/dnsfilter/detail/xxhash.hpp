// dnsfilter — XXH3 inlined into the including code.
//
// For the short inputs DNS names are, the inlined code is markedly faster
// than a call into libxxhash, and the library then needs no xxHash library
// at link time (the cross builds link none). xxhash.h allows an
// XXH_INLINE_ALL include after an ordinary one (it renames its inline
// symbols XXH_INLINE_*), and an ordinary include after this one is a no-op
// that resolves to the same inline functions, so users may include it
// freely. The macro is only defined around this include when the user did
// not.
#pragma once

#if !defined(XXH_INLINE_ALL)
#define XXH_INLINE_ALL
#define DNSFILTER_UNDEF_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#if defined(DNSFILTER_UNDEF_XXH_INLINE_ALL)
#undef XXH_INLINE_ALL
#undef DNSFILTER_UNDEF_XXH_INLINE_ALL
#endif
