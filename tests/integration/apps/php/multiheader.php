<?php
header('X-Multi: one', false);
header('X-Multi: two', false);
header('X-Replaced: old');
header('X-Replaced: new');
echo "multi\n";
