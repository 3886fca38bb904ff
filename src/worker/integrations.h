/*
 * keel's own PHP code for frameworks (integrations/ in the source tree,
 * share/keel/integrations/ once installed): a Symfony Runtime class, the
 * Laravel worker's classes. An application names them (APP_RUNTIME=
 * Keel\Symfony\Runtime) without a copy of them in its tree or its Composer
 * autoloader, so keel loads them itself: class Keel\<Framework>\<Path> is
 * the file <framework, lowercase>/<Path>.php of the integrations folder,
 * e.g. Keel\Laravel\Events\RequestReceived is
 * laravel/Events/RequestReceived.php.
 */
#ifndef KEEL_WORKER_INTEGRATIONS_H
#define KEEL_WORKER_INTEGRATIONS_H

/* Makes the classes above load on first use, ahead of the application's
 * autoloaders (which never see a Keel\ class keel has), in every worker:
 * called once PHP has started, in the zygote. Does nothing when no
 * integrations folder is found; installing twice changes nothing. */
void keel_integrations_autoload_install(void);

/* The integrations folder in use, or NULL. */
const char *keel_integrations_dir(void);

#endif
