<?php

// The messages of Laravel 8's resources/lang/en/validation.php that this
// application's rules use.

return [
    'email' => 'The :attribute must be a valid email address.',
    'file' => 'The :attribute must be a file.',
    'max' => [
        'file' => 'The :attribute must not be greater than :max kilobytes.',
        'string' => 'The :attribute must not be greater than :max characters.',
    ],
    'min' => [
        'string' => 'The :attribute must be at least :min characters.',
    ],
    'required' => 'The :attribute field is required.',
    'attributes' => [],
];
