#include "front/env.h"

#include "common/stream_id.h"

h2o_timeout_t *
keel_env_timeout_for(keel_front_env_t *env, uint64_t ms)
{
    for (unsigned i = 0; i < env->backoff.count; i++)
        if (env->backoff.delays[i] == ms)
            return &env->backoff.timeouts[i];
    /* Backoff delays double up to a cap, so few are ever in use; past the
     * table, the longest one known stands in. */
    if (env->backoff.count == KEEL_BACKOFF_TIMEOUTS)
        return &env->backoff.timeouts[env->backoff.count - 1];
    env->backoff.delays[env->backoff.count] = ms;
    h2o_timeout_init(env->loop, &env->backoff.timeouts[env->backoff.count], ms);
    return &env->backoff.timeouts[env->backoff.count++];
}

uint32_t
keel_env_new_stream(keel_front_env_t *env)
{
    uint32_t id;
    do
        id = keel_stream_id(env->stream_key, ++env->streams_issued);
    while (id == 0);
    return id;
}
