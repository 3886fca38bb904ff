<?php
return ['helper' => __FILE__, 'cwd_in_include' => getcwd(), 'nested' => (include 'nested.php')];
