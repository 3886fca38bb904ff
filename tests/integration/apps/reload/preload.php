<?php
// Loaded by opcache.preload when a test asks for it; a test breaks it to
// make PHP itself fail to start in a new generation.
function reload_preloaded(): string { return 'preloaded'; }
