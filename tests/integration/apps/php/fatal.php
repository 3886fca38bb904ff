<?php
keel_this_function_does_not_exist_4711();
echo "after-fatal\n";
